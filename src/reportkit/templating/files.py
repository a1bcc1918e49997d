"""Opening template files (.docx and .xlsx are zip packages) as the untrusted input they are.

A template comes from anyone who customised a set, so nothing in it is believed before it is
checked: the path must be a regular file (a FIFO or a device would block a reader forever),
the file and what it unpacks to must be of sane size (zip bombs), every member must unpack
with a correct CRC, names must be unique and relative, XML must parse (in any encoding XML
allows, UTF-16 included) without entities being resolved, and no relationship may point
outside the package (``TargetMode="External"``: LibreOffice fetches linked images from the
network and embeds ``file:///`` targets of the machine into the PDF).  Every failure is a
:class:`~reportkit.errors.TemplateError` naming the template and the member, never a
``BadZipFile`` or ``UnicodeDecodeError`` traceback.
"""

from __future__ import annotations

import hashlib
import posixpath
from dataclasses import dataclass
from functools import cached_property

from docx.oxml.parser import parse_xml
from lxml import etree

from ..errors import TemplateError
from ..ooxml.package import MAX_DEPTH, Limits, resolve
from ..files import FileProblem, read_regular
from ..ooxml import Package as Zip, PackageError

MiB = 1024 * 1024
#: the template file itself (ours are ~30 kB; a letterhead image makes a few MB)
MAX_FILE = 64 * MiB
#: members of the zip, and their unpacked bytes together
MAX_MEMBERS = 2000
MAX_UNZIPPED = 200 * MiB
#: one XML part that reportkit parses and compiles (ours: 80 kB; long customised reports: < 2 MB)
MAX_PART = 8 * MiB

EXTERNAL = "External"
_PKG_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"


@dataclass(frozen=True)
class Relationship:
    source: str      # the .rels member it is declared in
    id: str
    type: str
    target: str
    external: bool

    @property
    def type_name(self) -> str:
        return self.type.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Package:
    """A template read into memory: its bytes, their SHA-256 and its members in zip order."""

    name: str
    sha256: str
    members: dict[str, bytes]

    def fail(self, message: str) -> TemplateError:
        return TemplateError(message, template=self.name)

    def xml(self, member: str):
        """The member parsed as XML (python-docx's parser: no entities, no blank text; a DTD
        and nesting deeper than :data:`~reportkit.ooxml.package.MAX_DEPTH` refused)."""
        body = self.members.get(member)
        if body is None:
            raise self.fail(f"缺少部件 {member}")
        try:
            root = parse_xml(body)
        except etree.XMLSyntaxError as exc:
            if "depth" in str(exc).lower():
                raise self.fail(f"部件 {member} 的 XML 嵌套过深（超过 {MAX_DEPTH} 层）") from None
            raise self.fail(f"部件 {member} 不是有效的 XML：{exc}") from None
        docinfo = root.getroottree().docinfo
        if docinfo.internalDTD is not None or docinfo.doctype:
            raise self.fail(f"部件 {member} 含有 DTD（DOCTYPE）声明，拒绝处理")
        return root

    def relationships(self, rels_member: str) -> list[Relationship]:
        """The relationships declared in one ``.rels`` member ([] when it does not exist)."""
        if rels_member not in self.members:
            return []
        root = self.xml(rels_member)
        out = []
        for el in root.iter(f"{{{_PKG_RELS_NS}}}Relationship"):
            out.append(Relationship(rels_member, el.get("Id", ""), el.get("Type", ""), el.get("Target", ""),
                                    el.get("TargetMode") == EXTERNAL))
        return out

    def part_relationships(self, part: str) -> list[Relationship]:
        """The relationships of ``part`` (from ``dir/_rels/name.rels``; "" is the package)."""
        head, tail = posixpath.split(part)
        return self.relationships(posixpath.join(head, "_rels", f"{tail}.rels"))

    def external_relationships(self) -> list[Relationship]:
        """Every relationship of every part that points outside the package."""
        return [r for name in self.members if name.endswith(".rels") for r in self.relationships(name)
                if r.external]

    @cached_property
    def content_types(self) -> tuple[dict[str, str], dict[str, str]]:
        """([Content_Types].xml defaults by extension, overrides by part name), keys lower-cased."""
        root = self.xml("[Content_Types].xml")
        defaults = {el.get("Extension", "").lower(): el.get("ContentType", "")
                    for el in root.iter(f"{{{_CT_NS}}}Default")}
        overrides = {el.get("PartName", "").lower(): el.get("ContentType", "")
                     for el in root.iter(f"{{{_CT_NS}}}Override")}
        return defaults, overrides

    def content_type(self, member: str) -> str | None:
        defaults, overrides = self.content_types
        found = overrides.get("/" + member.lower())
        if found is None:
            found = defaults.get(posixpath.splitext(member)[1][1:].lower())
        return found


def target_member(rel: Relationship) -> str:
    """The member a relationship points to (its target resolved against its source part, as
    :func:`reportkit.ooxml.package.resolve` resolves every relationship)."""
    source_dir = posixpath.dirname(posixpath.dirname(rel.source))  # word/_rels/x.rels → word
    return resolve(posixpath.join(source_dir, "x"), rel.target)


def read_file(path) -> bytes:
    """The bytes of a template file: a regular file of at most :data:`MAX_FILE` bytes."""
    try:
        return read_regular(path, MAX_FILE)
    except FileProblem as exc:
        raise TemplateError("模板文件不存在" if exc.missing else exc.message, template=str(path)) from None


#: what a template package may hold
LIMITS = Limits(file=MAX_FILE, members=MAX_MEMBERS, part=MAX_UNZIPPED, total=MAX_UNZIPPED)


def open_package(path, data: bytes | None = None, *, max_part: int | None = MAX_PART) -> Package:
    """Read and check the zip package at ``path`` (or its bytes ``data``) through
    :class:`reportkit.ooxml.Package`; an XML member larger than ``max_part`` is refused before
    it is unpacked."""
    name = str(path)
    if data is None:
        data = read_file(path)
    try:
        z = Zip(data, LIMITS)
        members: dict[str, bytes] = {}
        for info in z.infos:
            member = info.filename
            if max_part is not None and member.endswith((".xml", ".rels")) and info.file_size > max_part:
                raise TemplateError(f"部件 {member} 过大（{info.file_size / MiB:.0f} MB，上限 {max_part // MiB} MB）",
                                    template=name)
            members[member] = z.read(member)
    except PackageError as exc:
        message = exc.message if exc.part else f"不是有效的 Office 文件：{exc.message}"
        raise TemplateError(message, template=name) from None
    return Package(name, hashlib.sha256(data).hexdigest(), members)
