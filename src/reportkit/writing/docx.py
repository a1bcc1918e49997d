"""The Word engine: docxtpl templates, prepared once per process, rendered under a budget.

Preparing a template (:func:`prepare`, cached by the SHA-256 of the file and the engine's
fingerprint): read the package as untrusted input (``reportkit.templating.files``: sizes, CRCs,
XML of every part, no external relationships), list the parts docxtpl renders
(:func:`template_parts`: the body, every header and footer, footnotes, the string core
properties -- ``templates check`` lints exactly this list), refuse Jinja tags that do not close
within their paragraph (docxtpl would swallow the paragraphs in between), run docxtpl's own
``patch_xml`` on each part and compile it in the budgeted sandbox (``templating/jinja.py``).

Rendering a report (:func:`render_docx`): run the compiled parts under the
:class:`~reportkit.limits.TemplateLimits`, apply docxtpl's own post-processing (``{_{``
unescaping, ``resolve_listing``, ``fix_tables``, ``fix_docpr_ids``), refuse output that is not
well-formed XML (docxtpl re-parses with ``recover=True``, which silently drops content), place
the 落款 (GB/T 9704 §7.3.5.2), set the core properties, and write the zip directly: every
other member's bytes are carried over, entries stamped with the report's fixed time exactly as
``package.normalise`` writes them.

Only errors caused by the template become :class:`~reportkit.errors.TemplateError`: its
syntax, its package, its code failing at run time (the traceback passes through it), its
budget, its output.  Anything else is a bug and propagates as it is.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import html
import marshal
import re
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import docx
import docxtpl
import jinja2
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import CONTENT_TYPE as CT, RELATIONSHIP_TYPE as RT
from docx.opc.coreprops import CoreProperties
from docx.opc.oxml import serialize_part_xml
from docx.oxml.coreprops import CT_CoreProperties
from docx.oxml.ns import nsmap, qn
from docx.oxml.parser import parse_xml
from docx.oxml.styles import CT_Styles
from docx.shared import Emu
from docx.styles.styles import Styles
from docxtpl import DocxTemplate
from jinja2 import TemplateSyntaxError
from lxml import etree

from ..errors import TemplateError
from ..limits import DEFAULT_LIMITS, TemplateLimits
from .typesetting import BODY_LINE_CHARS, signature_indents
from ..ooxml.write import OWN, SharedMembers, zip_members
from ..templating.files import open_package, read_file, target_member
from ..templating.jinja import Budget, environment, run
from ..version import __version__
from ..templating import files as template_files, jinja
from ..ooxml import package
from . import disk_cache
from ..ooxml.package import Package

SIGNATURE_STYLE, DATE_STYLE = "落款署名", "落款日期"
BODY_PT = 16  # 3号
#: the string core properties docxtpl renders (``DocxTemplate.render_properties``)
CORE_PROPS = ("author", "comments", "identifier", "language", "subject", "title")
#: prepared templates kept per process (a batch uses two; a CMS with many custom sets a few more)
CACHE_SIZE = 16

_LISTING = re.compile(r"<w:t(?: [^>]*)?>[^<]*[\t\a\n\f]")  # what docxtpl's resolve_listing changes
#: the line break Jinja leaves before a paragraph (docxtpl's ``\n<w:p>`` and ``\n<w:p `` replaced in one pass)
_PARAGRAPH_BREAK = re.compile(r"\n(?=<w:p[ >])")


@dataclass(frozen=True)
class Part:
    """One part docxtpl renders, with the Jinja source compiled for it."""

    member: str              # the zip member: word/document.xml, word/footer1.xml, docProps/core.xml
    kind: str                # "body", "header", "footer", "footnotes" or "core"
    source: str              # the Jinja source: docxtpl's patched XML, or a core property's text
    xml: str = ""            # the part's XML before patching (paragraphs are checked in it)
    prop: str | None = None  # kind "core": the property

    @property
    def label(self) -> str:
        return f"{self.member}（{self.prop}）" if self.prop else self.member


@dataclass(frozen=True)
class _Word:
    """A template package opened as a Word document."""

    package: object          # template_files.Package
    main: str                # the main document member
    root: object             # its parsed XML
    headers_footers: tuple   # (kind, member) in the order of the main part's relationships
    footnotes: tuple         # members
    core: str | None         # the core-properties member, None when the template has none
    styles: str | None       # the styles member


@dataclass(frozen=True)
class Prepared:
    """A template ready to render: everything that does not depend on the report."""

    sha256: str
    members: dict            # zip order; the core-properties rels/content types added if needed
    main: str
    shell: bytes             # the main document with an empty body
    compiled: tuple          # (Part, jinja2.Template)
    codes: tuple             # the templates' compiled code (what the disk cache keeps)
    core: str                # where the core properties go
    core_xml: bytes | None   # the template's core properties (None: made from python-docx's default)
    style_names: dict        # paragraph style id → name
    default_style: str | None
    #: the template's tables are regular and nothing in it can change their shape: rendered tables
    #: never need docxtpl's ``fix_tables`` (no check per report)
    fixed_tables: bool = False

    @cached_property
    def shared(self):
        """The template's members deflated once (:class:`~reportkit.writing.stamps.SharedMembers`)."""
        return SharedMembers(self.members)


# ------------------------------------------------------------------ Word XML as text (for messages and checks)

_PARA = re.compile(r"<w:p[ >].*?</w:p>", re.S)
_TEXT = re.compile(r"<w:t(?: [^>]*)?>([^<]*)</w:t>")
_DELIM = re.compile(r"\{\{|\{%|\{#|\}\}|%\}|#\}")
_CLOSER = {"{{": "}}", "{%": "%}", "{#": "#}"}


def unclosed_paragraphs(xml: str) -> list[str]:
    """The text of each paragraph of a part's XML whose Jinja tags do not close within it.

    docxtpl looks for a tag's end anywhere later in the document and silently swallows the
    paragraphs in between, so this must be caught before docxtpl sees the template."""
    found = []
    for para in _PARA.findall(xml):
        text = html.unescape("".join(_TEXT.findall(para)))
        if not _tags_close(text):
            found.append(text)
    return found


def _tags_close(text: str) -> bool:
    """Every ``{{``/``{%``/``{#`` in ``text`` is closed before the next one opens."""
    expect = None
    for m in _DELIM.finditer(text):
        tok = m.group()
        if tok in _CLOSER:
            if expect is not None:
                return False
            expect = _CLOSER[tok]
        elif tok == expect:
            expect = None
    return expect is None


def plain_text(source: str) -> str:
    """A part's source as text (tags dropped, the line structure kept)."""
    return html.unescape(re.sub(r"<[^>]*>", lambda m: "\n" * m.group().count("\n"), source))


def around(text: str, lineno: int | None, width: int = 60) -> str:
    """The text of lines ``lineno``-1 … ``lineno``+1 (1-based), trimmed."""
    lines = text.split("\n")
    if not lineno or lineno > len(lines):
        return ""
    found = " ⏎ ".join(x.strip() for x in lines[max(0, lineno - 2):lineno + 1] if x.strip())
    return found[:width * 3]


# ------------------------------------------------------------------ opening and listing the parts

def open_word(path, data: bytes | None = None) -> _Word:
    pkg = open_package(path, data)
    for name in pkg.members:  # every XML part must parse: a broken one would break the report
        if name.endswith((".xml", ".rels")):
            pkg.xml(name)
    external = pkg.external_relationships()
    if external:
        r = external[0]
        raise pkg.fail(f"模板引用了文件之外的资源（{r.type_name} → {r.target}，声明于 {r.source}），已拒绝："
                       f"生成 PDF 时会访问网络或本机文件；请在 Word 中删除该链接，图片请插入而不是链接"
                       + (f"（共 {len(external)} 处）" if len(external) > 1 else ""))
    package_rels = pkg.part_relationships("")
    main = next((target_member(r) for r in package_rels if r.type == RT.OFFICE_DOCUMENT), None)
    if main is None or main not in pkg.members:
        raise pkg.fail("不是 Word 文档：缺少主文档部件（word/document.xml）")
    kind = pkg.content_type(main)
    if kind != CT.WML_DOCUMENT_MAIN:
        raise pkg.fail(f"不是 Word 文档（.docx）：主文档的类型为 {kind}；启用宏的文档或模板（.docm、.dotx）请在 Word 中另存为 .docx")
    root = pkg.xml(main)
    if root.find(qn("w:body")) is None:
        raise pkg.fail(f"{main} 中没有正文（w:body）")
    rels = pkg.part_relationships(main)
    uris = {DocxTemplate.HEADER_URI: "header", DocxTemplate.FOOTER_URI: "footer"}
    headers_footers = []
    for r in rels:
        if r.type in uris:
            member = target_member(r)
            if member not in pkg.members:
                raise pkg.fail(f"{r.source} 引用的部件 {member} 不存在")
            if pkg.members[member] and (uris[r.type], member) not in headers_footers:
                headers_footers.append((uris[r.type], member))
    footnotes = tuple(n for n in pkg.members if pkg.content_type(n) == CT.WML_FOOTNOTES)
    core = next((target_member(r) for r in package_rels if r.type == RT.CORE_PROPERTIES), None)
    if core is not None and core not in pkg.members:
        raise pkg.fail(f"_rels/.rels 引用的核心属性部件 {core} 不存在")
    styles = next((target_member(r) for r in rels if r.type == RT.STYLES), None)
    return _Word(pkg, main, root, tuple(headers_footers), footnotes, core,
                 styles if styles in pkg.members else None)


def _patched(xml: str) -> str:
    """docxtpl's source for an XML part: ``patch_xml``, then a line per paragraph (as
    ``render_xml_part`` does, so that Jinja's line numbers point at paragraphs)."""
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", DocxTemplate.patch_xml(None, xml))


def template_parts(word: _Word) -> list[Part]:
    """Every part render renders, each with its Jinja source: the one list for render and lint."""
    pkg = word.package
    body = _PUNCT_OFF.sub(_PUNCT_ON, etree.tostring(word.root.find(qn("w:body")), encoding="unicode"))
    parts = [Part(word.main, "body", _patched(body), body)]
    for kind, member in word.headers_footers + tuple(("footnotes", m) for m in word.footnotes):
        xml = _PUNCT_OFF.sub(_PUNCT_ON, etree.tostring(pkg.xml(member), encoding="unicode"))
        parts.append(Part(member, kind, _patched(xml), xml))
    if word.core is not None:
        props = CoreProperties(_core_element(pkg, word.core))
        parts += [Part(word.core, "core", getattr(props, p), prop=p) for p in CORE_PROPS]
    return parts


def _core_element(pkg, member: str):
    el = pkg.xml(member)
    if not isinstance(el, CT_CoreProperties):
        raise pkg.fail(f"{member} 不是核心属性部件")
    return el


# ------------------------------------------------------------------ the settings the PDF depends on

#: a paragraph (or style) that lets punctuation hang: LibreOffice then drops a ，、。 at a line end
_PUNCT_OFF = re.compile(r'<w:overflowPunct w:val="(?:0|false|off)"\s*/>')
_PUNCT_ON = '<w:overflowPunct w:val="1"/>'
#: w:pPr's children in schema order, up to where w:overflowPunct goes (CT_PPrBase)
_PPR_BEFORE_PUNCT = ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
                     "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap")


def owned_settings(word: _Word) -> tuple[dict, list[str]]:
    """The settings the PDF's fidelity depends on, applied whatever the template says: the
    changed members (styles, settings) and, in Chinese, what had to be overridden.

    * ``w:overflowPunct`` on (document defaults, every style, every paragraph of the template):
      LibreOffice reads it off as "hanging punctuation allowed" and then drops a ，、。 at the end
      of a justified line from the page.  A template opened and saved by LibreOffice (as a 信创
      desktop's suite saves it) has it off in its Normal style.
    * no automatic hyphenation (``w:autoHyphenation``, which LibreOffice also writes on save): a
      hyphen put into a Latin word at a line end is a character the data does not have.

    Paragraph-level ``w:overflowPunct`` in the body, headers and footers is turned on in
    :func:`template_parts`; this function reports it too."""
    pkg, changed, notes = word.package, {}, []
    if word.styles is not None:
        root = pkg.xml(word.styles)
        fixed = []
        for punct in root.iter(qn("w:overflowPunct")):
            if punct.get(qn("w:val"), "1") in ("0", "false", "off"):
                punct.set(qn("w:val"), "1")
                style = punct.getparent().getparent()
                name = style.find(qn("w:name")) if style.tag == qn("w:style") else None
                fixed.append(f"样式“{name.get(qn('w:val'))}”" if name is not None else "文档默认格式")
        defaults = root.find(qn("w:docDefaults"))
        if defaults is None:
            defaults = root.makeelement(qn("w:docDefaults"), {})
            root.insert(0, defaults)
        ppr_default = defaults.find(qn("w:pPrDefault"))
        if ppr_default is None:
            ppr_default = defaults.makeelement(qn("w:pPrDefault"), {})
            rpr_default = defaults.find(qn("w:rPrDefault"))
            defaults.insert(1 if rpr_default is not None else 0, ppr_default)
        ppr = ppr_default.find(qn("w:pPr"))
        if ppr is None:
            ppr = ppr_default.makeelement(qn("w:pPr"), {})
            ppr_default.append(ppr)
        if ppr.find(qn("w:overflowPunct")) is None:
            before = {qn(f"w:{t}") for t in _PPR_BEFORE_PUNCT}
            at = sum(1 for child in ppr if child.tag in before)
            ppr.insert(at, ppr.makeelement(qn("w:overflowPunct"), {qn("w:val"): "1"}))
            if "文档默认格式" not in fixed:
                fixed.append("文档默认格式")
        if fixed:
            changed[word.styles] = serialize_part_xml(root)
            notes.append(f"关闭了“行尾标点控制”（w:overflowPunct，位于{'、'.join(dict.fromkeys(fixed))}）："
                         "转换 PDF 时行尾的，、。会丢失；生成时已改回开启")
    parts = [word.main] if _PUNCT_OFF.search(etree.tostring(word.root, encoding="unicode")) else []
    for _, member in word.headers_footers + tuple(("footnotes", m) for m in word.footnotes):
        if _PUNCT_OFF.search(pkg.members[member].decode("utf-8", "replace")):
            parts.append(member)
    if parts:
        notes.append(f"段落关闭了“行尾标点控制”（w:overflowPunct，位于 {'、'.join(parts)}）：生成时已改回开启")

    settings = next((target_member(r) for r in pkg.part_relationships(word.main) if r.type == RT.SETTINGS), None)
    if settings in pkg.members:
        root = pkg.xml(settings)
        hyphen = root.find(qn("w:autoHyphenation"))
        if hyphen is not None and hyphen.get(qn("w:val"), "1") not in ("0", "false", "off"):
            root.remove(hyphen)
            changed[settings] = serialize_part_xml(root)
            notes.append("开启了“自动断字”（w:autoHyphenation）：转换 PDF 时会在英文单词中插入连字符；生成时已关闭")
    return changed, notes


# ------------------------------------------------------------------ locating an error in a part

def where(part: Part, lineno: int | None) -> str:

    near = around(plain_text(part.source), lineno)
    return f"位置 {part.label}" + (f"，附近文字：{near}" if near else "")


def _environment(part: Part):
    return environment(autoescape=part.kind != "core")  # core properties are text, not XML


def compile_part(part: Part, name: str):
    """The code of one part compiled in the budgeted sandbox; a :class:`TemplateError` when it
    cannot be compiled."""
    try:
        return _environment(part).compile(part.source)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"Jinja 语法错误：{exc.message}；{where(part, exc.lineno)}", template=name) from None
    except (RecursionError, SyntaxError, MemoryError):  # Jinja's parser or Python's compiler gave up
        raise TemplateError(f"模板表达式嵌套过深，无法编译；位置 {part.label}", template=name) from None


def _template(part: Part, code):
    env = _environment(part)
    return env.template_class.from_code(env, code, env.make_globals(None), None)


# ------------------------------------------------------------------ preparing (once per template)

_CACHE: OrderedDict = OrderedDict()
_LOCK = threading.Lock()
_FORMAT = "reportkit-docx-prepared-3"


@lru_cache(maxsize=None)
def fingerprint() -> tuple:
    """Everything besides the template's bytes that changes what :func:`prepare` makes: the
    versions of reportkit, Jinja2, docxtpl, python-docx and lxml, Python's bytecode format, and
    the source of the modules that prepare — this engine, ``templating.jinja``, ``templating.files``
    and the package reader ``ooxml.package`` (an edited checkout is a new engine); not the lint
    command nor the Jinja analysis, which change no prepared template."""
    sources = hashlib.sha256()
    for module in (sys.modules[__name__], jinja, template_files, package):
        sources.update(Path(module.__file__).read_bytes())
    return (__version__, jinja2.__version__, docxtpl.__version__, getattr(docx, "__version__", ""),
            etree.LXML_VERSION, sys.implementation.cache_tag, sources.hexdigest())


def prepare(template, *, cache: bool = True) -> Prepared:
    """``template`` ready to render: from this process's cache when its bytes were seen, else
    from the disk cache (``writing/disk_cache.py``), else prepared now and kept in both.
    ``cache=False`` prepares afresh and keeps nothing."""
    data = read_file(template)
    sha = hashlib.sha256(data).hexdigest()
    if not cache:
        return _prepare(template, data)
    key = (sha, fingerprint())
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit
    disk_key = hashlib.sha256(repr(key).encode()).hexdigest()
    blob = disk_cache.read(disk_key)
    prepared = _loads(blob, sha) if blob is not None else None
    if prepared is None:
        prepared = _prepare(template, data)
        disk_cache.write(disk_key, _dumps(prepared))
    with _LOCK:
        _CACHE[key] = prepared
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return prepared


def _dumps(p: Prepared) -> bytes:
    # a part's XML before docxtpl's patch is needed only while preparing: not kept on disk
    parts = tuple((part.member, part.kind, part.source, "", part.prop) for part, _ in p.compiled)
    return marshal.dumps((_FORMAT, p.sha256, tuple(p.members.items()), p.main, p.shell, parts, p.codes,
                          p.core, p.core_xml, p.style_names, p.default_style, p.fixed_tables))


def _loads(blob: bytes, sha256: str) -> Prepared | None:
    """A prepared template read back from the disk cache; None when the entry is not one."""
    try:
        fmt, sha, members, main, shell, parts, codes, core, core_xml, names, default, fixed = marshal.loads(blob)
        if fmt != _FORMAT or sha != sha256 or len(parts) != len(codes):
            return None
        compiled = []
        for fields, code in zip(parts, codes):
            part = Part(*fields)
            compiled.append((part, _template(part, code)))
        return Prepared(sha, dict(members), main, shell, tuple(compiled), tuple(codes), core, core_xml,
                        dict(names), default, fixed)
    except Exception:  # noqa: BLE001 -- a damaged or foreign entry: prepare the template again
        return None


def _prepare(template, data: bytes) -> Prepared:
    name = str(template)
    word = open_word(template, data)
    pkg = word.package
    parts = template_parts(word)
    for part in parts:
        broken = unclosed_paragraphs(part.xml) if part.xml else []
        if broken:
            raise pkg.fail(f"Jinja 语法错误：标签在本段内没有闭合；位置 {part.member}，该段文字：{broken[0][:120]}")
    codes = tuple(compile_part(part, name) for part in parts)
    compiled = tuple((part, _template(part, code)) for part, code in zip(parts, codes))

    root = word.root  # parsed for this preparation only: emptying its body here is safe
    body = root.find(qn("w:body"))
    main = next((part for part in parts if part.kind == "body"), None)
    # docxtpl's patch turns {%tc for %} into a plain {% for %} around the cell: look at the text the
    # template's author wrote (tags removed, so that a tag split over runs is whole) and at the source
    written = re.sub(r"<[^>]*>", "", main.xml) if main is not None else ""
    fixed = not (_SHAPE_CHANGES.search(written) or main is not None and _SHAPE_CHANGES.search(main.source)) \
        and not _tables_need_fixing(body)
    root.replace(body, root.makeelement(qn("w:body"), {}))
    members = dict(pkg.members)
    members.update(owned_settings(word)[0])
    core = word.core
    if core is None:
        core = _add_core_part(pkg, members)
    names, default = _paragraph_styles(pkg, word.styles)
    return Prepared(pkg.sha256, members, word.main, etree.tostring(root), compiled, codes, core,
                    pkg.members[word.core] if word.core else None, names, default, fixed)


#: what in a template's Jinja source can change the shape of a table (so that the rendered table no
#: longer matches its grid and docxtpl's ``fix_tables`` is needed): column loops ``{%tc %}``, merges
#: in loops (``{% hm %}``, ``{% vm %}``), ``{% colspan %}``, a computed ``w:gridSpan``, and raw
#: markup let through autoescaping (``|safe``, ``Markup``)
_SHAPE_CHANGES = re.compile(r"\{%-?\s*(tc|hm|vm|colspan)\b|gridSpan[^>]*\{[{%]|\bsafe\b|Markup")


def _add_core_part(pkg, members: dict) -> str:
    """A template without core properties gets them, as python-docx adds them on save."""
    member = "docProps/core.xml"
    rels = pkg.xml("_rels/.rels")
    used = {el.get("Id") for el in rels}
    rid = next(f"rId{i}" for i in range(1, len(used) + 2) if f"rId{i}" not in used)
    rels.append(rels.makeelement(f"{{{rels.nsmap[None]}}}Relationship",
                                 {"Id": rid, "Type": RT.CORE_PROPERTIES, "Target": member}))
    members["_rels/.rels"] = serialize_part_xml(rels)
    types = pkg.xml("[Content_Types].xml")
    types.append(types.makeelement(f"{{{types.nsmap[None]}}}Override",
                                   {"PartName": "/" + member, "ContentType": CT.OPC_CORE_PROPERTIES}))
    members["[Content_Types].xml"] = serialize_part_xml(types)
    return member


def _paragraph_styles(pkg, member: str | None) -> tuple[dict, str | None]:
    """(paragraph style id → name, the default paragraph style's name), as python-docx names them."""
    if member is None:
        return {}, None

    element = pkg.xml(member)
    if not isinstance(element, CT_Styles):  # not a styles part: no style has a name
        return {}, None
    styles = Styles(element)
    names = {s.style_id: s.name for s in styles if s.type == WD_STYLE_TYPE.PARAGRAPH}
    default = styles.default(WD_STYLE_TYPE.PARAGRAPH)
    return names, default.name if default is not None else None


# ------------------------------------------------------------------ rendering (once per report)

def render_docx(template: Path, context: dict, when: dt.datetime, *, limits: TemplateLimits | None = None,
                cache: bool = True) -> bytes:
    """Render ``template`` with ``context``: the .docx as bytes, zip entries stamped ``when``.

    ``limits`` bounds what the template may cost (:class:`~reportkit.limits.TemplateLimits`);
    ``cache=False`` prepares the template afresh and keeps nothing."""
    prepared = prepare(template, cache=cache)
    budget = Budget(limits or DEFAULT_LIMITS)
    return _render(prepared, str(template), context, when, budget)


def _render(p: Prepared, name: str, context: dict, when: dt.datetime, budget) -> bytes:
    members = dict(p.members)
    body = None
    props = {}
    for part, template in p.compiled:
        text = _run(part, template, name, context, budget)
        if part.kind == "core":
            props[part.prop] = text
            continue
        xml = _after_render(text)
        if part.kind == "body":
            body = xml
        else:
            members[part.member] = serialize_part_xml(_parse(part, name, xml))
    members[p.main] = _document(p, name, body)
    members[p.core] = _core(p, name, props, context, when)
    return zip_members(members.items(), when, shared=p.shared)


def _run(part: Part, template, name: str, context: dict, budget) -> str:
    return run(template, context, budget, name=name, label=f"位置 {part.label}", source=part.source,
               where=lambda lineno: where(part, lineno))


def _after_render(xml: str) -> str:
    """docxtpl's steps after Jinja (``render_xml_part``): paragraphs back on one line, ``{_{``
    unescaped, tabs/line breaks in text turned into Word's (``resolve_listing``)."""
    xml = _PARAGRAPH_BREAK.sub("", xml)
    if "_" in xml:  # a one-character test is nearly free; the replacements scan the whole part
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
    if any(ch in xml for ch in "\t\a\n\f") and _LISTING.search(xml):
        xml = DocxTemplate.resolve_listing(None, xml)
    return xml


def _xml_error(part: Part, name: str, xml: str, exc) -> TemplateError:
    line, col = exc.position
    lines = xml.split("\n")
    offset = sum(len(x) + 1 for x in lines[:max(line - 1, 0)]) + max(col - 1, 0)

    near = re.sub(r"\s+", " ", plain_text(xml[max(0, offset - 300):offset + 100]).strip())[-120:]
    return TemplateError(f"模板生成的内容不是有效的 XML（{exc.msg}），文档会损坏或丢失文字；位置 {part.label}"
                         + (f"，附近文字：{near}" if near else ""), template=name)


def _parse(part: Part, name: str, xml: str):
    try:
        return parse_xml(xml.encode("utf-8"))
    except etree.XMLSyntaxError as exc:
        raise _xml_error(part, name, xml, exc) from None


def _document(p: Prepared, name: str, body: str) -> bytes:
    try:  # strict: docxtpl's own parse (recover=True) would silently drop what does not parse
        tree = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False))
    except etree.XMLSyntaxError as exc:
        raise _xml_error(p.compiled[0][0], name, body, exc) from None
    helper = DocxTemplate(name)
    helper.docx_ids_index = 1000  # as DocxTemplate.render_init
    if not p.fixed_tables and _tables_need_fixing(tree):  # rows with more or fewer cells than the grid
        try:
            tree = helper.fix_tables(body)
        except (ValueError, TypeError, AttributeError) as exc:  # e.g. w:gridSpan="abc", no w:tblGrid
            raise TemplateError(f"模板生成的表格结构无效（{exc}）；位置 {p.compiled[0][0].label}", template=name) from None
    helper.fix_docpr_ids(tree)
    root = parse_xml(p.shell)
    root.replace(root.find(qn("w:body")), tree)
    del tree  # from here on the body's elements are python-docx's (the shell's parser)
    _place_signature(root.find(qn("w:body")), p.style_names, p.default_style)
    return serialize_part_xml(root)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _tables_need_fixing(tree) -> bool:
    """Whether docxtpl's ``fix_tables`` would change anything: a table whose grid has fewer
    columns than one of its rows has cells, or more than its widest row spans (the same tests
    as ``DocxTemplate.fix_tables``)."""
    tc, tr, span_of = _W + "tc", _W + "tr", f"{_W}tcPr/{_W}gridSpan"
    for t in tree.iter(_W + "tbl"):
        grid = t.find(_W + "tblGrid")
        if grid is None:
            return True  # let docxtpl's code meet it
        columns = len(grid.findall(_W + "gridCol"))
        widest = 0
        for row in t.iter(tr):
            cells = row.findall(tc)
            if len(cells) > columns:
                return True
            spans = len(cells)
            for span in row.iterfind(f"{tc}/{span_of}"):
                value = span.get(_W + "val", "")
                if not value.isdigit():
                    return True
                spans += int(value) - 1
            widest = max(widest, spans)
        if widest < columns:
            return True
    return False


def _core(p: Prepared, name: str, props: dict, context: dict, when: dt.datetime) -> bytes:
    element = parse_xml(p.core_xml) if p.core_xml is not None else CT_CoreProperties.new()
    core = CoreProperties(element)
    for prop, text in props.items():
        try:
            setattr(core, prop, text)
        except ValueError as exc:  # lxml: a character XML cannot hold
            raise TemplateError(f"核心属性 {prop} 的内容无法写入：{exc}；位置 {p.core}", template=name) from None
    core.title = context["doc"]["title"]
    core.author = context["agency"]
    core.last_modified_by = "reportkit"
    core.created = core.modified = when
    core.revision = 1
    return serialize_part_xml(element)


# ------------------------------------------------------------------ the 落款 (GB/T 9704 §7.3.5.2)

def _set_right_indent(p, chars: float) -> None:
    """``w:ind`` through python-docx (``get_or_add_ind``: in schema order within ``w:pPr``)."""
    ind = p.get_or_add_pPr().get_or_add_ind()
    ind.set(qn("w:rightChars"), str(int(round(chars * 100))))
    ind.set(qn("w:right"), str(int(round(chars * BODY_PT * 20))))


def _line_chars(body) -> float:
    """字 of the body size in a line of the document's (last) section, as python-docx reads its
    page width and margins; GB/T 9704's 28 when the section does not say."""
    sect = body.find(qn("w:sectPr"))
    sizes = (sect.page_width, sect.left_margin, sect.right_margin) if sect is not None else (None,)
    if None in sizes:
        return BODY_LINE_CHARS
    return Emu(sizes[0] - sizes[1] - sizes[2]).pt / BODY_PT


def _place_signature(body, style_names: dict, default_style: str | None) -> None:
    """The first 署名 and date paragraphs (styles 落款署名, 落款日期, among the body's paragraphs
    as python-docx's ``document.paragraphs`` and ``paragraph.style`` see them) get their indents."""
    def first(style_name: str):
        ids = [sid for sid, n in style_names.items() if n == style_name]
        if default_style == style_name:  # so is every paragraph without a known paragraph style
            others = [sid for sid in style_names if sid not in ids]
            test, values = "not(w:pPr/w:pStyle[{}])", others
        else:
            test, values = "w:pPr/w:pStyle[{}]", ids
        if not values and test.startswith("w:"):
            return None
        match = " or ".join(f"@w:val=$v{i}" for i in range(len(values))) or "false()"
        found = etree.XPath(f"w:p[{test.format(match)}]", namespaces=nsmap)(
            body, **{f"v{i}": v for i, v in enumerate(values)})
        return found[0] if found else None

    sig, date = first(SIGNATURE_STYLE), first(DATE_STYLE)
    if sig is None:
        return
    s_indent, d_indent = signature_indents(sig.text.strip(), date.text.strip() if date is not None else "",
                                           _line_chars(body))
    _set_right_indent(sig, s_indent)
    if date is not None:
        _set_right_indent(date, d_indent)


# ------------------------------------------------------------------ the 落款 kept whole in LibreOffice

#: lines of the last paragraph of 六 that go to the page of the 落款 when it would stand alone
CLOSING_TAIL_LINES = 2
_SPACE = re.compile(r"\s+")
_PAGE_NO = re.compile(r"^[-—–－\s]*\d{1,4}[-—–－\s]*$")


def closing_split_point(pdf: Path, context: dict) -> int | None:
    """Where to split the last paragraph of 六 so that the 落款 does not stand alone, read from
    the PDF LibreOffice made of the report (its text lines, as pdfium reads them): None when the
    落款 is fine (or cannot be found).

    The template keeps the last paragraph of 六, the blank line, the 署名 and the date together
    (keep-with-next).  Word honours that by moving the paragraph's last line with the 落款;
    LibreOffice treats a keep-with-next paragraph as one that must not split, so when that
    paragraph and the 落款 do not fit on one page it gives the keep up: the date, or the 署名 and
    the date, stand alone on the last page (GB/T 9704 §7.3.5 forbids it).  Then the answer is the
    number of non-blank characters of that paragraph on its lines but the last
    :data:`CLOSING_TAIL_LINES`, as LibreOffice broke them: :func:`split_closing` cuts it there."""
    import pypdfium2 as pdfium  # lazy: only when a PDF is made, and a docx-only render needs none of it

    doc = context["doc"]
    paragraphs = doc.get("other_matters") or []
    if not paragraphs:
        return None
    signature, date = _SPACE.sub("", doc["signature"]), _SPACE.sub("", doc.get("date") or "")
    last = _SPACE.sub("", paragraphs[-1])
    lines: list[tuple[int, str]] = []
    try:
        document = pdfium.PdfDocument(str(pdf))  # pdfium: about 20 ms for the last pages of a report
    except pdfium.PdfiumError:  # the read-back guard says what is wrong with such a file
        return None
    try:
        count = len(document)
        for number in range(max(0, count - 3), count):
            for line in document[number].get_textpage().get_text_range().splitlines():
                text = _SPACE.sub("", line)
                if text and not _PAGE_NO.match(line):
                    lines.append((number, text))
    finally:
        document.close()
    closing = signature + date
    joined, at = "", len(lines)
    while at > 0 and len(joined) < len(closing):  # the 落款's lines, from the end (a 署名 may wrap)
        at -= 1
        joined = lines[at][1] + joined
    if joined != closing or at == 0:
        return None
    closing_pages = {page for page, _ in lines[at:]}
    body_page = lines[at - 1][0]
    alone = closing_pages == {max(closing_pages)} and body_page < max(closing_pages)
    split = len(closing_pages) > 1
    if not (alone or split):
        return None
    tail, count = "", 0
    while at - count > 0 and last.endswith(lines[at - count - 1][1] + tail) and len(tail) < len(last):
        count += 1
        tail = lines[at - count][1] + tail
    if tail != last or count <= CLOSING_TAIL_LINES + 1:  # not the paragraph, or too short to split
        return None
    kept = "".join(text for _, text in lines[at - CLOSING_TAIL_LINES:at])
    return len(last) - len(kept)


def split_closing(docx: bytes, chars: int) -> bytes:
    """``docx`` with the last paragraph of 六 split after its first ``chars`` non-blank characters:
    the first part justified to its last line (``distribute``: that line was a full line, so it
    prints as before) and free to break across pages, the rest a paragraph without first-line
    indent kept with the 落款 — the page shows the same lines, and the 落款 takes the paragraph's
    last lines with it.  Only the PDF is made from this document; the .docx is left as it was."""
    src = Package(docx, OWN)  # a document this render made
    main = "word/document.xml"
    root = parse_xml(src.read(main))
    body = root.find(qn("w:body"))
    names = _paragraph_styles_of(src)
    signature_ids = {sid for sid, name in names.items() if name == SIGNATURE_STYLE}
    paragraphs = body.findall(qn("w:p"))
    sig = next((i for i, p in enumerate(paragraphs) if p.style in signature_ids), None)
    if sig is None:
        return docx
    before = [p for p in paragraphs[:sig] if _SPACE.sub("", _text_of(p))]
    if not before:
        return docx
    head = before[-1]
    tail = copy.deepcopy(head)
    _cut(head, chars, keep="head")
    _cut(tail, chars, keep="tail")
    head.addnext(tail)
    hp = head.get_or_add_pPr()
    for keep in hp.findall(qn("w:keepNext")):
        hp.remove(keep)
    hp.jc_val = WD_ALIGN_PARAGRAPH.DISTRIBUTE
    tp = tail.get_or_add_pPr()
    if tp.find(qn("w:keepNext")) is None:
        tp.keepNext_val = True
    ind = tp.get_or_add_ind()
    ind.set(qn("w:firstLineChars"), "0")
    ind.set(qn("w:firstLine"), "0")
    return zip_members([(name, serialize_part_xml(root) if name == main else src.read(name)) for name in src.names],
                       dt.datetime(2000, 1, 1), core_dates=False)  # only converted to PDF, never kept


def _paragraph_styles_of(z) -> dict:
    try:
        element = parse_xml(z.read("word/styles.xml"))
    except (KeyError, ValueError):  # no styles part (PackageError is a ValueError)
        return {}
    if not isinstance(element, CT_Styles):
        return {}
    return {s.style_id: s.name for s in Styles(element) if s.type == WD_STYLE_TYPE.PARAGRAPH}


def _text_of(p) -> str:
    return "".join(t.text or "" for t in p.iter(_W + "t"))


def _cut(p, chars: int, *, keep: str) -> None:
    """Keep the first ``chars`` non-blank characters of the paragraph's text (``keep="head"``) or
    everything after them (``"tail"``), run by run."""
    seen = 0
    for t in list(p.iter(_W + "t")):
        text = t.text or ""
        out = []
        for ch in text:
            if not ch.isspace():
                seen += 1
            inside = seen <= chars if not ch.isspace() else seen < chars
            if (keep == "head") == inside:
                out.append(ch)
        t.text = "".join(out)
        if t.text != t.text.strip():
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
