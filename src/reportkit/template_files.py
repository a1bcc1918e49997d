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
import io
import os
import posixpath
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from functools import cached_property

from .errors import TemplateError

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
        """The member parsed as XML (python-docx's parser: no entities, no blank text)."""
        from docx.oxml.parser import parse_xml
        from lxml import etree

        body = self.members.get(member)
        if body is None:
            raise self.fail(f"缺少部件 {member}")
        try:
            return parse_xml(body)
        except etree.XMLSyntaxError as exc:
            raise self.fail(f"部件 {member} 不是有效的 XML：{exc}") from None

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
    """The member a relationship points to (its target resolved against its source part)."""
    source_dir = posixpath.dirname(posixpath.dirname(rel.source))  # word/_rels/x.rels → word
    return posixpath.normpath(posixpath.join("/" + source_dir, rel.target)).lstrip("/")


def read_file(path) -> bytes:
    """The bytes of a template file: a regular file of at most :data:`MAX_FILE` bytes."""
    name = str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)  # O_NONBLOCK: opening a FIFO must not wait for a writer
    except FileNotFoundError:
        raise TemplateError("模板文件不存在", template=name) from None
    except OSError as exc:
        raise TemplateError(f"无法读取模板文件：{exc.strerror or exc}", template=name) from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise TemplateError("不是普通文件（是文件夹、管道或设备），拒绝读取", template=name)
        if st.st_size > MAX_FILE:
            raise TemplateError(f"文件过大（{st.st_size / MiB:.0f} MB，上限 {MAX_FILE // MiB} MB）", template=name)
        try:
            data = fh.read(MAX_FILE + 1)
        except OSError as exc:
            raise TemplateError(f"无法读取模板文件：{exc.strerror or exc}", template=name) from None
    if len(data) > MAX_FILE:
        raise TemplateError(f"文件过大（上限 {MAX_FILE // MiB} MB）", template=name)
    return data


def open_package(path, data: bytes | None = None, *, max_part: int | None = MAX_PART) -> Package:
    """Read and check the zip package at ``path`` (or its bytes ``data``); an XML member larger
    than ``max_part`` is refused before it is unpacked."""
    name = str(path)
    if data is None:
        data = read_file(path)

    def fail(message: str) -> TemplateError:
        return TemplateError(message, template=name)

    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))  # the end record: entries before parsing them
    if end >= 0 and len(data) >= end + 12 and struct.unpack("<H", data[end + 10:end + 12])[0] > MAX_MEMBERS:
        raise fail("压缩包中的部件过多，拒绝处理（可能是压缩炸弹）")
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise fail("不是有效的 Office 文件（不是 zip 压缩包，或已损坏）") from None
    with z:
        infos = z.infolist()
        if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNZIPPED:
            raise fail("文件解压后过大，拒绝处理（可能是压缩炸弹）")
        members: dict[str, bytes] = {}
        for info in infos:
            member = info.filename
            if member in members:
                raise fail(f"压缩包中有重名的部件 {member}")
            if member.startswith("/") or "\\" in member or ".." in member.split("/"):
                raise fail(f"压缩包中的部件名不安全：{member}")
            if max_part is not None and member.endswith((".xml", ".rels")) and info.file_size > max_part:
                raise fail(f"部件 {member} 过大（{info.file_size / MiB:.0f} MB，上限 {max_part // MiB} MB）")
            try:
                members[member] = z.read(info)
            except zipfile.BadZipFile:
                raise fail(f"文件已损坏：部件 {member} 校验失败") from None
            except (zlib.error, EOFError, ValueError):
                raise fail(f"文件已损坏：部件 {member} 无法解压") from None
            except NotImplementedError:
                raise fail(f"部件 {member} 使用了不支持的压缩方式") from None
            except RuntimeError:  # zipfile: "File … is encrypted, password required"
                raise fail(f"部件 {member} 已加密，无法读取") from None
    return Package(name, hashlib.sha256(data).hexdigest(), members)
