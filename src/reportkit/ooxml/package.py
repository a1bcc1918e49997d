"""Opening an Office Open XML package (.docx, .xlsx) as untrusted input.

A :class:`Package` is opened from bytes already read (callers bound and read the file: a FIFO or
a device is never read here).  What is checked, and when:

- on opening: the file's size, the zip's member count (from the end record, before the central
  directory is parsed), unique and relative member names; an OLE compound file is told apart
  (a password-protected Office file is one, and so is an old .xls/.doc) and so is text
  renamed (a CSV saved as .xlsx);
- on reading a member: its bytes are inflated *at most* up to the smallest of the size its
  header declares, :attr:`Limits.part` and what is left of :attr:`Limits.total`, counted on
  the output of zlib itself (a member that declares 5,000 bytes and inflates to 1.9 GB stops
  after 5,001), then its CRC is checked; encrypted members and unknown compressions are refused;
- on parsing XML (:func:`parse_xml`): no DTD (a ``DOCTYPE`` is refused, so no entity is
  ever expanded or silently dropped), no network, nesting at most :data:`MAX_DEPTH` deep
  (libxml2's own limit without ``XML_PARSE_HUGE``), Strict OOXML namespaces read as
  transitional ones (:func:`transitional`).

Parts are found through relationships: the main part through the package's ``_rels/.rels``
(``officeDocument``), the others through their source part's relationships, by the last
segment of the relationship type (the same in Strict and transitional files)."""

from __future__ import annotations

import io
import posixpath
import struct
import zipfile
import zlib
from dataclasses import dataclass, replace
from urllib.parse import unquote

MiB = 1024 * 1024
#: XML nesting refused beyond this depth (libxml2's limit without XML_PARSE_HUGE)
MAX_DEPTH = 256
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_PKG_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"

# Strict OOXML (ISO/IEC 29500 Strict) namespaces → their transitional spelling; the elements
# and attributes reportkit reads are the same in both.
_STRICT = (
    (b"http://purl.oclc.org/ooxml/spreadsheetml/main", b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"),
    (b"http://purl.oclc.org/ooxml/wordprocessingml/main",
     b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"),
    (b"http://purl.oclc.org/ooxml/officeDocument/relationships",
     b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"),
    (b"http://purl.oclc.org/ooxml/drawingml/main", b"http://schemas.openxmlformats.org/drawingml/2006/main"),
)


@dataclass(frozen=True)
class Limits:
    """What a package may hold; every reader states its own (:data:`READER`, the engines')."""

    file: int = 64 * MiB          # the package's own bytes
    members: int = 2000           # zip members
    part: int = 32 * MiB          # one member, inflated
    total: int = 200 * MiB        # all members read, inflated

    def describe(self) -> str:
        return (f"文件至多 {self.file // MiB} MB、{self.members} 个部件，每个部件解压后至多 {self.part // MiB} MB，"
                f"合计至多 {self.total // MiB} MB，XML 嵌套至多 {MAX_DEPTH} 层，不得含 DTD")


#: the limits of the readers of reports, forms and published documents
READER = Limits()


class PackageError(ValueError):
    """The bytes are not a readable Office package; ``message`` says why in Chinese, ``part``
    names the member when one is at fault."""

    def __init__(self, message: str, part: str | None = None) -> None:
        super().__init__(message)
        self.message, self.part = message, part


@dataclass(frozen=True)
class Relationship:
    source: str        # the part it belongs to ("" for the package)
    id: str
    type: str
    target: str        # the member it points to (resolved), or the external target as written
    external: bool
    raw_target: str = ""   # the target as written

    @property
    def kind(self) -> str:
        """The last segment of the type (``worksheet``, ``officeDocument``…): Strict and transitional alike."""
        return self.type.rsplit("/", 1)[-1]


def not_a_zip(data: bytes) -> str:
    """Why ``data`` is not a zip package, said for what it looks like."""
    if data.startswith(_CFB):
        if _ENCRYPTED in data:
            return ("文件受密码保护（加密的 Office 文件），无法读取：请在 Excel/WPS 中打开，取消“用密码进行加密”"
                    "（文件 → 信息 → 保护）后重新保存")
        return "这是旧版 Office 二进制文件（.xls/.doc），不是 .xlsx/.docx：请在 Excel/WPS/Word 中另存为新格式"
    head = data[:4096]
    if not head:
        return "文件是空的"
    try:
        head.decode("utf-8")
        text = True
    except UnicodeDecodeError as exc:
        text = exc.start >= len(head) - 3   # a character cut at the end of the sample
    if text or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "这是一个文本文件（例如 CSV 或 JSON），只是扩展名是 Office 的；不是 zip 压缩包"
    return "不是 zip 压缩包（文件已损坏，或只是改了扩展名）"


class Package:
    """An Office package opened from its bytes under ``limits``."""

    def __init__(self, data: bytes, limits: Limits = READER) -> None:
        self.data, self.limits = data, limits
        if len(data) > limits.file:
            raise PackageError(f"文件过大（{len(data) / MiB:.0f} MB，上限 {limits.file // MiB} MB）")
        if not data.startswith(b"PK"):
            raise PackageError(not_a_zip(data))
        end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))   # the end record: count before parsing
        if end >= 0 and len(data) >= end + 12 and struct.unpack("<H", data[end + 10:end + 12])[0] > limits.members:
            raise PackageError(f"压缩包中的部件过多（上限 {limits.members} 个），拒绝处理（可能是压缩炸弹）")
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                infos = z.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError, struct.error):
            raise PackageError("不是有效的 zip 压缩包（文件已损坏，或只是改了扩展名）") from None
        if len(infos) > limits.members:
            raise PackageError(f"压缩包中的部件过多（上限 {limits.members} 个），拒绝处理（可能是压缩炸弹）")
        self.infos = infos
        self._infos: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = info.filename
            if name in self._infos:
                raise PackageError(f"压缩包中有重名的部件 {name}", name)
            if name.startswith("/") or "\\" in name or ".." in name.split("/"):
                raise PackageError(f"压缩包中的部件名不安全：{name}", name)
            self._infos[name] = info
        self._lower = {n.lower(): n for n in self._infos}
        self.inflated = 0
        self._rels: dict[str, dict[str, Relationship]] = {}

    @property
    def names(self) -> list[str]:
        """Member names in zip order."""
        return [i.filename for i in self.infos]

    def __contains__(self, name: str) -> bool:
        return name in self._infos

    def member(self, name: str) -> str | None:
        """The member named ``name``, its case ignored as OPC part names are, or None."""
        return name if name in self._infos else self._lower.get(name.lower())

    def read(self, name: str) -> bytes:
        """The inflated bytes of member ``name`` (found with :meth:`member`), bounded."""
        actual = self.member(name)
        if actual is None:
            raise PackageError(f"缺少部件 {name}", name)
        info = self._infos[actual]
        if info.flag_bits & 0x1:
            raise PackageError(f"部件 {actual} 已加密，无法读取", actual)
        budget = min(self.limits.part, self.limits.total - self.inflated)
        if info.file_size > budget:
            raise PackageError(f"部件 {actual} 解压后过大（{info.file_size / MiB:.0f} MB，上限 "
                               f"{self.limits.part // MiB} MB，合计 {self.limits.total // MiB} MB），拒绝处理", actual)
        try:
            head = _LOCAL.unpack_from(self.data, info.header_offset)
        except struct.error:
            raise PackageError(f"文件已损坏：部件 {actual} 的数据不完整", actual) from None
        if head[0] != 0x04034B50:
            raise PackageError(f"文件已损坏：部件 {actual} 的位置不对", actual)
        start = info.header_offset + _LOCAL.size + head[9] + head[10]
        raw = memoryview(self.data)[start:start + info.compress_size]
        declared = info.file_size
        if info.compress_type == zipfile.ZIP_STORED:
            body = bytes(raw[:declared + 1])
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            inflater = zlib.decompressobj(-15)
            try:   # never more than declared + 1 bytes, whatever the stream holds
                body = inflater.decompress(raw, declared + 1)
            except zlib.error:
                raise PackageError(f"文件已损坏：部件 {actual} 校验失败（数据无法解压）", actual) from None
            if len(body) <= declared and not inflater.eof:
                raise PackageError(f"文件已损坏：部件 {actual} 的数据不完整", actual)
        else:
            raise PackageError(f"部件 {actual} 使用了不支持的压缩方式（{info.compress_type}）", actual)
        if len(body) > declared:   # stopped one byte past what the header claims: a lie or damage
            raise PackageError(f"文件已损坏：部件 {actual} 校验失败：解压后超过记录的 {declared} 字节，已停止解压"
                               "（文件损坏或被篡改）", actual)
        if len(body) < declared:
            raise PackageError(f"文件已损坏：部件 {actual} 校验失败（解压后只有 {len(body)} 字节，记录 {declared} 字节）",
                               actual)
        if zlib.crc32(body) != info.CRC:
            raise PackageError(f"文件已损坏：部件 {actual} 校验失败（CRC）", actual)
        self.inflated += len(body)
        return body

    def xml(self, name: str):
        """Member ``name`` parsed by :func:`parse_xml` (its root element)."""
        return parse_xml(self.read(name), self.member(name) or name)

    def relationships(self, source: str) -> dict[str, Relationship]:
        """The relationships of part ``source`` ("" for the package) by id; {} when it has none."""
        found = self._rels.get(source)
        if found is None:
            head, tail = posixpath.split(source)
            rels = posixpath.join(head, "_rels", f"{tail}.rels")
            found = {}
            if self.member(rels) is not None:
                found = {r.id: self._found(r) for r in parse_relationships(self.read(rels), source, self.member(rels))}
            self._rels[source] = found
        return found

    def _found(self, rel: Relationship) -> Relationship:
        """``rel`` pointing at the member that exists: the target resolved as the standard says,
        else (some generators write targets from the package root) the target from the root."""
        if rel.external or self.member(rel.target) is not None:
            return rel

        raw = rel.raw_target.lstrip("/")
        return replace(rel, target=self.member(posixpath.normpath(unquote(raw)))) if raw and \
            self.member(posixpath.normpath(unquote(raw))) is not None else rel

    def related(self, source: str, kind: str) -> list[Relationship]:
        """The internal relationships of ``source`` whose type ends in ``kind``, in document order."""
        return [r for r in self.relationships(source).values() if not r.external and r.kind == kind]

    def main_part(self) -> str:
        """The main part (``officeDocument`` of the package), which must exist."""
        found = self.related("", "officeDocument")
        if not found:
            raise PackageError("不是 Office 文档：压缩包中没有主文档（_rels/.rels 中没有 officeDocument 关系）",
                               "_rels/.rels")
        part = self.member(found[0].target)
        if part is None:
            raise PackageError(f"文件已损坏：主文档 {found[0].target} 不存在", found[0].target)
        return part


def resolve(source: str, target: str) -> str:
    """The member a relationship of ``source`` ("" for the package) points to."""
    target = unquote(target)
    if target.startswith("/"):
        return posixpath.normpath(target).lstrip("/")
    return posixpath.normpath(posixpath.join("/" + posixpath.dirname(source), target)).lstrip("/")


def parse_relationships(data: bytes, source: str, part: str = "") -> list[Relationship]:
    """The relationships of ``source`` declared in its ``.rels`` member ``data``, in order."""
    out = []
    for el in parse_xml(data, part).iter(_PKG_RELS):
        external = (el.get("TargetMode") or "").lower() == "external"
        target = el.get("Target") or ""
        out.append(Relationship(source, el.get("Id") or "", el.get("Type") or "",
                                target if external else resolve(source, target), external, target))
    return out


def transitional(data: bytes) -> bytes:
    """The XML ``data`` with Strict OOXML namespaces spelled as transitional ones."""
    if b"purl.oclc.org/ooxml/" not in data:
        return data
    for strict, plain in _STRICT:
        data = data.replace(strict, plain)
    return data


def parse_xml(data: bytes, part: str = ""):
    """The root element of XML ``data`` (member ``part``): no DTD, no entities, no network,
    at most :data:`MAX_DEPTH` deep, Strict namespaces as transitional; :class:`PackageError`
    otherwise."""
    from lxml import etree  # lazy: lxml, only for Word parts; the workbook readers (a form's validate) scan bytes

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(transitional(data), parser)
    except etree.XMLSyntaxError as exc:
        if "depth" in str(exc).lower():
            raise PackageError(f"部件 {part} 的 XML 嵌套过深（超过 {MAX_DEPTH} 层），拒绝处理", part) from None
        raise PackageError(f"部件 {part} 不是有效的 XML（{exc}）", part) from None
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise PackageError(f"部件 {part} 含有 DTD（DOCTYPE）声明，拒绝处理：Office 文件不使用它，"
                           "它能定义替换文字的实体", part)
    return root
