"""Hostile Office files (issue 19): each is refused with a message naming what is wrong, or read
as Excel and Word read it — never a traceback, never a table of blanks, never unbounded work.

Every file here is made from a real form (``reportkit.form.form_bytes`` of the examples) or a
real rendered report, edited member by member as an attacker or an odd program would."""

from __future__ import annotations

import io
import json
import os
import re
import struct
import threading
import zipfile
import zlib

import pytest

import reportkit
from reportkit.errors import DataError, DocumentError, InputFileError
from reportkit.form import form_bytes

from .conftest import YUNXI, example
from .formtools import destination, open_form, save

TRANSITIONAL_MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
TRANSITIONAL_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_MAIN = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_REL = b"http://purl.oclc.org/ooxml/officeDocument/relationships"


@pytest.fixture(scope="module")
def form() -> bytes:
    return form_bytes(example(YUNXI))


@pytest.fixture(scope="module")
def data(form) -> dict:
    return reportkit.load(form, name="2021.xlsx").data


def members(raw: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        return [(i.filename, z.read(i)) for i in z.infolist()]


def rezip(raw: bytes, edit=lambda name, body: body, rename: dict | None = None) -> bytes:
    """The package ``raw`` with each member's bytes through ``edit`` (None drops it) and names renamed."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in members(raw):
            body = edit(name, body)
            if body is not None:
                z.writestr((rename or {}).get(name, name), body)
    return out.getvalue()


def sheet_part(raw: bytes, title: str) -> str:
    """The worksheet member of sheet ``title`` (through the workbook's relationships)."""
    parts = dict(members(raw))
    rid = re.search(rb'<sheet [^>]*name="' + re.escape(title.encode()) + rb'"[^>]*r:id="(rId\d+)"',
                    parts["xl/workbook.xml"]).group(1)
    target = re.search(rb'Id="' + rid + rb'"[^>]*Target="([^"]+)"', parts["xl/_rels/workbook.xml.rels"]).group(1)
    return "xl/" + target.decode()


def load_error(raw: bytes, name="2021.xlsx") -> str:
    with pytest.raises(DataError) as info:
        reportkit.load(raw, name=name)
    return info.value.message


def cell_of(raw: bytes, name: str) -> tuple[str, str]:
    wb = open_form(raw)
    ws, ref = destination(wb, name)
    return ws.title, ref


def edit_cell(raw: bytes, name: str, new_cell) -> bytes:
    """The form with the <c> of the input ``name`` replaced by ``new_cell(ref)`` (bytes)."""
    title, ref = cell_of(raw, name)
    part = sheet_part(raw, title)

    def edit(member, body):
        if member != part:
            return body
        body, n = re.subn(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', new_cell(ref.encode()), body, 1)
        assert n == 1
        return body
    return rezip(raw, edit)


# ------------------------------------------------------------------------------ bounded inflation

def test_a_zip_bomb_docx_given_to_import_is_refused_by_what_it_inflates(tmp_path):
    """A .docx whose document.xml inflates to 200 MB (a few hundred KB on disk) is refused
    before inflating it, saying the limit; the size is checked on the bytes zlib gives."""
    body = b"<w:document xmlns:w='http://schemas.openxmlformats.org/wordprocessingml/2006/main'><w:body>"
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                   'officeDocument" Target="word/document.xml"/></Relationships>')
        with z.open("word/document.xml", "w", force_zip64=True) as fh:
            fh.write(body)
            block = b" " * (1 << 20)
            for _ in range(200):
                fh.write(block)
    path = tmp_path / "bomb.docx"
    path.write_bytes(bomb.getvalue())
    assert path.stat().st_size < 1_000_000
    with pytest.raises(DocumentError) as info:
        reportkit.import_report(path)
    assert "word/document.xml 解压后过大" in info.value.message and "上限 32 MB" in info.value.message


def _lie_about_size(raw: bytes, member: str, declared: int) -> bytes:
    """``raw`` with ``member``'s uncompressed size set to ``declared`` in both its headers."""
    data = bytearray(raw)
    name = member.encode()
    for sig, at in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        pos = 0
        while True:
            pos = data.find(sig, pos)
            if pos < 0:
                break
            name_at = pos + (46 if sig == b"PK\x01\x02" else 30)
            if data[name_at:name_at + len(name)] == name:
                struct.pack_into("<I", data, pos + at, declared)
            pos += 4
    return bytes(data)


def test_a_member_that_lies_about_its_size_stops_after_the_size_it_declared(form):
    """A sheet part declared as 5,000 bytes that inflates to 40 MB: inflating stops at 5,001
    bytes and the file is refused (nothing near the 40 MB is ever held)."""
    part = sheet_part(form, "三、依申请公开")
    big = rezip(form, lambda n, b: b.replace(b"</worksheet>", b"<!--" + b"x" * (40 << 20) + b"--></worksheet>")
                if n == part else b)
    lying = _lie_about_size(big, part, 5000)
    message = load_error(lying)
    assert f"部件 {part} 校验失败：解压后超过记录的 5000 字节，已停止解压" in message


def test_package_reads_at_most_the_declared_size_plus_one():
    from reportkit.ooxml import Package, PackageError

    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.bin", bytes(10 << 20))
    lying = _lie_about_size(raw.getvalue(), "a.bin", 100)
    package = Package(lying)
    with pytest.raises(PackageError, match="超过记录的 100 字节"):
        package.read("a.bin")
    assert package.inflated == 0   # nothing counted as read


# ------------------------------------------------------------------------------ parts and names

def test_cells_without_r_are_read_where_they_stand(form, data):
    """Cells written without ``r`` (allowed by the standard; some generators do) take the
    column after the previous cell: stripping every ``r`` that follows on from its neighbour
    reads the same report."""
    def strip(name, body):
        if not name.startswith("xl/worksheets/"):
            return body

        def row(m):
            prev = [-1]

            def one(c):
                letters = c.group(1).decode()
                col = 0
                for ch in letters:
                    col = col * 26 + ord(ch) - 64
                keep = col - 1 != prev[0] + 1
                prev[0] = col - 1
                return c.group(0) if keep else b"<c"
            return re.sub(rb'<c r="([A-Z]+)[0-9]+"', one, m.group(0))
        return re.sub(rb"<row\b.*?</row>", row, body, flags=re.S)
    stripped = rezip(form, strip)
    without_r = sum(len(re.findall(rb"<c(?![^>]*\br=)[ >/]", b)) for n, b in members(stripped) if "worksheets" in n)
    assert without_r > 100
    assert reportkit.load(stripped, name="2021.xlsx").data == data


def test_renamed_workbook_and_shared_strings_parts_are_found_through_relationships(form, data):
    def edit(name, body):
        if name == "_rels/.rels":
            return body.replace(b'Target="xl/workbook.xml"', b'Target="xl/book.xml"')
        if name == "[Content_Types].xml":
            return body.replace(b'"/xl/workbook.xml"', b'"/xl/book.xml"').replace(
                b'"/xl/sharedStrings.xml"', b'"/xl/strings/all.xml"')
        if name == "xl/_rels/workbook.xml.rels":
            return body.replace(b'Target="sharedStrings.xml"', b'Target="strings/all.xml"')
        return body
    renamed = rezip(form, edit, {"xl/workbook.xml": "xl/book.xml", "xl/_rels/workbook.xml.rels": "xl/_rels/book.xml.rels",
                                 "xl/sharedStrings.xml": "xl/strings/all.xml"})
    names = [n for n, _ in members(renamed)]
    assert "xl/workbook.xml" not in names and "xl/sharedStrings.xml" not in names
    assert reportkit.load(renamed, name="2021.xlsx").data == data


def _strict(raw: bytes) -> bytes:
    return rezip(raw, lambda n, b: b.replace(TRANSITIONAL_MAIN, STRICT_MAIN).replace(TRANSITIONAL_REL, STRICT_REL)
                 if n.endswith((".xml", ".rels")) else b)


def test_a_strict_ooxml_form_reads_as_the_transitional_one(form, data):
    strict = _strict(form)
    assert TRANSITIONAL_MAIN not in b"".join(b for _, b in members(strict))
    assert reportkit.load(strict, name="2021.xlsx").data == data


def test_dates_of_a_1904_workbook_are_read_from_1904(form, data):
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wb = open_form(form)
    wb.epoch = CALENDAR_MAC_1904
    raw = save(wb)
    assert b'date1904="1"' in dict(members(raw))["xl/workbook.xml"]
    assert reportkit.load(raw, name="2021.xlsx").data["published"] == data["published"]


def test_a_missing_worksheet_part_is_refused_not_read_as_blanks(form):
    part = sheet_part(form, "三、依申请公开")
    message = load_error(rezip(form, lambda n, b: None if n == part else b))
    assert f"工作表「三、依申请公开」的部件 {part} 不存在" in message
    assert "空白单元格" not in message


def test_a_chart_sheet_in_place_of_a_table_is_refused(form):
    part = sheet_part(form, "三、依申请公开")
    chart = (b'<chartsheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews>'
             b'<sheetView workbookViewId="0"/></sheetViews></chartsheet>')

    def edit(name, body):
        if name == part:
            return chart
        if name == "xl/_rels/workbook.xml.rels":
            target = part.removeprefix("xl/").encode()
            return re.sub(rb'(Type="[^"]*/)worksheet("[^>]*Target="' + re.escape(target) + rb'")',
                          rb"\1chartsheet\2", body)
        return body
    message = load_error(rezip(form, edit))
    assert "工作表「三、依申请公开」不是表格（是图表工作表）" in message


# ------------------------------------------------------------------------------ cells that raised

def test_a_5000_digit_number_is_an_error_at_its_cell(form):
    raw = edit_cell(form, "rk.requests.received.natural", lambda ref: b'<c r="%s"><v>%s</v></c>' % (ref, b"9" * 5000))
    report = reportkit.load(raw, name="2021.xlsx")
    title, ref = cell_of(form, "rk.requests.received.natural")
    errors = [f for f in reportkit.validate(report) if f.is_error and f.path == "$.requests.received.natural"]
    assert errors and f"{title}!{ref}" in errors[0].text() and "应为非负整数" in errors[0].text()


def test_a_5000_digit_amount_typed_as_text_is_an_error(form):
    raw = edit_cell(form, "rk.proactive.fees.amount",
                    lambda ref: b'<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref, b"9" * 5000))
    title, ref = cell_of(form, "rk.proactive.fees.amount")
    errors = [f for f in reportkit.validate(reportkit.load(raw, name="2021.xlsx"))
              if f.is_error and f.path == "$.proactive.fees.amount"]
    assert errors and f"{title}!{ref}" in errors[0].text() and "应为非负金额" in errors[0].text()


@pytest.mark.parametrize("attrs, said", [
    (b't="s"><v>\xc2\xb2</v>', "的共享字符串编号 “²” 不是编号"),
    (b's="\xc2\xb2"><v>1</v>', "的样式编号 “²” 不是编号"),
])
def test_superscript_digits_as_indices_are_refused_naming_the_cell(form, attrs, said):
    raw = edit_cell(form, "rk.requests.received.natural", lambda ref: b'<c r="%s" %s</c>' % (ref, attrs))
    title, ref = cell_of(form, "rk.requests.received.natural")
    message = load_error(raw)
    assert f"{title}!{ref} {said}" in message


def test_a_cell_position_that_is_not_a_cell_is_refused_naming_the_sheet(form):
    raw = edit_cell(form, "rk.requests.received.natural", lambda ref: b'<c r="D\xc2\xb2"><v>1</v></c>')
    title, _ = cell_of(form, "rk.requests.received.natural")
    message = load_error(raw)
    assert f"工作表「{title}」中有单元格的位置 “D²” 无效" in message and "Traceback" not in message


def test_a_number_format_id_that_is_not_a_number_is_refused(form):
    raw = rezip(form, lambda n, b: re.sub(rb'numFmtId="\d+"', b'numFmtId="abc"', b, count=1)
                if n == "xl/styles.xml" else b)
    assert "数字格式的编号 “abc” 不是编号" in load_error(raw) or "数字格式编号 “abc” 不是编号" in load_error(raw)


def test_a_marker_of_100000_nested_brackets_is_a_warning_not_a_crash(form, data):
    from reportkit.form import fields as F

    wb = open_form(form)
    meta = wb[F.META_SHEET]
    row = next(r for r in range(1, 20) if meta.cell(r, 1).value == "写法")
    meta.cell(row, 2).value = "[" * 100_000
    report = reportkit.load(save(wb), name="2021.xlsx")
    assert any(f.code == "form.meta" for f in report.reading)
    assert report.data["agency"] == data["agency"]


def test_a_dtd_entity_in_shared_strings_is_refused_not_dropped(form):
    def edit(name, body):
        if name != "xl/sharedStrings.xml":
            return body
        body = body.replace(b"<sst ", b'<!DOCTYPE sst [<!ENTITY a "x">]><sst ', 1)
        return body.replace(b"<t>", b"<t>&a;", 1)
    message = load_error(rezip(form, edit))
    assert "xl/sharedStrings.xml 含有 DTD（DOCTYPE）声明，拒绝处理" in message


def test_gridspan_superscript_in_a_word_table_is_read_as_one_column():
    from reportkit.reading.docx import read_document_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    body = ("<w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan w:val='²'/></w:tcPr><w:p><w:r><w:t>甲</w:t></w:r></w:p></w:tc>"
            "<w:tc><w:p><w:r><w:t>乙</w:t></w:r></w:p></w:tc></w:tr></w:tbl>")
    content = read_document_xml(f"<w:document {w}><w:body>{body}</w:body></w:document>".encode())
    assert content.grids[0].texts == [["甲", "乙"]]


def test_a_word_document_nested_past_the_depth_limit_is_refused_on_import(tmp_path):
    from reportkit.reading.docx import BadDocument, read_document_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    deep = "<w:sdt><w:sdtContent>" * 300 + "</w:sdtContent></w:sdt>" * 300
    with pytest.raises(BadDocument, match="嵌套过深（超过 256 层）"):
        read_document_xml(f"<w:document {w}><w:body>{deep}</w:body></w:document>".encode())


# ------------------------------------------------------------------------------ what the file is

def test_an_encrypted_workbook_is_said_to_be_password_protected(tmp_path):
    # an encrypted OOXML file is an OLE compound file holding the stream "EncryptedPackage"
    path = tmp_path / "2021.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptedPackage".encode("utf-16-le")
                     + bytes(1024))
    with pytest.raises(DataError) as info:
        reportkit.load(path)
    assert "受密码保护" in info.value.message and ".xls" not in info.value.message.split("；")[0]


def test_a_csv_renamed_xlsx_is_said_to_be_text(tmp_path):
    path = tmp_path / "2021.xlsx"
    path.write_text("单位,年度\n云溪县,2021\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        reportkit.load(path)
    assert "文本文件（例如 CSV" in info.value.message and "JSON" not in info.value.message.split("：")[0]
    assert "不是有效的 JSON" not in info.value.message


def test_utf8_cut_mid_character_is_not_told_to_convert_from_gb18030(tmp_path):
    path = tmp_path / "2021.json"
    whole = json.dumps({"agency": "云溪县自然资源局"}, ensure_ascii=False).encode("utf-8")
    path.write_bytes(whole[:whole.index("局".encode()) + 1])   # the first byte of 局 only
    with pytest.raises(DataError) as info:
        reportkit.load(path)
    assert "被截断" in info.value.message and "GB18030" not in info.value.message


def test_folder_and_missing_file_are_said_so(tmp_path):
    with pytest.raises(InputFileError, match="这是一个文件夹"):
        reportkit.load(tmp_path)
    with pytest.raises(InputFileError, match="文件不存在"):
        reportkit.load(tmp_path / "nothing.json")


def test_cli_render_of_a_folder_or_a_missing_file_does_not_speak_of_extensions(tmp_path, cli):
    folder = tmp_path / "data"
    folder.mkdir()
    for target, said in ((folder, "文件夹"), (tmp_path / "missing", "不存在")):
        result = cli("render", str(target))
        assert result.exit_code == 2 and said in result.output and "扩展名" not in result.output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_or_a_device_given_as_a_report_is_refused_at_once(tmp_path):
    fifo = tmp_path / "2021.json"
    os.mkfifo(fifo)
    device = tmp_path / "x.pdf"
    device.symlink_to("/dev/zero")
    for path, kind in ((fifo, "管道（FIFO）"), (device, "设备")):
        done: list = []

        def run():
            try:
                reportkit.load(path)
            except InputFileError as exc:
                done.append(exc.message)
        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        worker.join(timeout=30)
        assert done == [f"不是普通文件（是{kind}），拒绝读取"]
    with pytest.raises(InputFileError, match="是设备"):
        reportkit.import_report(device)


def test_a_dict_nested_5000_deep_is_a_data_error():
    nested: dict = {}
    node = nested
    for _ in range(5000):
        node["a"] = {}
        node = node["a"]
    with pytest.raises(DataError, match="嵌套层数过深"):
        reportkit.load(nested)
    with pytest.raises(DataError, match="嵌套层数过深"):
        reportkit.load('{"a":' * 5000 + "1" + "}" * 5000)


def test_each_reader_states_its_limit():
    from reportkit.files import FileProblem
    from reportkit.ooxml.package import READER
    from reportkit.reading import docx, xlsx

    for limits in (READER, docx.LIMITS, xlsx.LIMITS):
        said = limits.describe()
        assert f"{limits.part // (1 << 20)} MB" in said and "DTD" in said
    assert issubclass(FileProblem, Exception)


def test_the_old_openers_are_gone():
    """One zip reader in the package: reportkit.ooxml.package."""
    from pathlib import Path

    src = Path(reportkit.__file__).parent
    openers = [p.relative_to(src).as_posix() for p in src.rglob("*.py")
               if re.search(r"zipfile\.ZipFile\(", p.read_text(encoding="utf-8"))
               and p.relative_to(src).parts[0] != "platform"]  # the platform's export archive is not an Office file
    assert openers == ["ooxml/package.py"]
    assert not [p for p in src.rglob("*.py") if re.search(r"zlib\.decompress\(", p.read_text(encoding="utf-8"))
                and p.name != "package.py"]


def test_deflated_members_are_checked_by_crc():
    from reportkit.ooxml import Package, PackageError

    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as z:
        z.writestr("a.xml", b"<a>hello</a>")
    data = bytearray(raw.getvalue())
    data[data.index(b"hello")] ^= 1
    with pytest.raises(PackageError, match="校验失败"):
        Package(bytes(data)).read("a.xml")
    assert zlib.crc32(b"") == 0


# ------------------------------------------------------------------------------ templates check

@pytest.fixture()
def template_set_dir(tmp_path, cli):
    out = tmp_path / "tpl"
    assert cli("templates", "export", out).exit_code == 0
    return out


@pytest.mark.parametrize("inject", ["{{ " + "(" * 20000 + "1" + ")" * 20000 + " }}",
                                    "{% if true %}" * 5000 + "x" + "{% endif %}" * 5000])
def test_templates_check_of_html_nested_thousands_deep_is_an_error_not_a_traceback(template_set_dir, cli, inject):
    path = template_set_dir / "html" / "report-2021.html"
    path.write_text(inject + path.read_text(encoding="utf-8"), encoding="utf-8")
    r = cli("templates", "check", template_set_dir, "--json")
    assert r.exit_code == 1, r.output
    problems = json.loads(r.output)["problems"]
    assert [p for p in problems if p["severity"] == "error" and p["template"] == str(path)
            and "嵌套过深" in p["message"]], problems


def test_a_strict_excel_template_is_checked_and_rendered_alike(template_set_dir, cli, tmp_path):
    """A Strict OOXML Excel template: ``templates check`` passes it, and render fills it and
    reads every figure back (before, check passed it and render refused it)."""
    path = template_set_dir / "xlsx" / "report-2021.xlsx"
    path.write_bytes(_strict(path.read_bytes()))
    r = cli("templates", "check", template_set_dir, "--json")
    assert r.exit_code == 0, r.output
    assert not [p for p in json.loads(r.output)["problems"] if p["severity"] == "error"]
    out = tmp_path / "out"
    reportkit.render(example(YUNXI), out, formats=["xlsx"], templates=template_set_dir)
    [xlsx] = list(out.glob("*.xlsx"))
    assert STRICT_MAIN in dict(members(xlsx.read_bytes()))["xl/worksheets/sheet1.xml"]
    from reportkit.reading import locate
    from reportkit.reading.xlsx import read_xlsx

    located = locate(read_xlsx(xlsx.read_bytes()))
    assert located.hits["requests.received.natural"].text == str(example(YUNXI)["requests"]["received"]["natural"])


def test_an_excel_template_nested_past_the_depth_limit_is_refused(tmp_path):
    from reportkit.writing.xlsx import render_xlsx
    from reportkit.errors import TemplateError
    from reportkit.resources import template_path

    raw = template_path("xlsx", "2021").read_bytes()
    part = "xl/worksheets/sheet1.xml"
    deep = rezip(raw, lambda n, b: b.replace(b"</worksheet>", b"<extLst>" + b"<x:a xmlns:x='urn:x'>" * 300
                                             + b"</x:a>" * 300 + b"</extLst></worksheet>") if n == part else b)
    path = tmp_path / "deep.xlsx"
    path.write_bytes(deep)
    with pytest.raises(TemplateError, match=f"部件 {part} 的 XML 嵌套过深（超过 256 层）"):
        render_xlsx(path, {}, tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()


def test_a_duplicate_key_spelled_with_an_escape_is_located():
    text = '{\n  "agency": "he said \\"agency\\": ok",\n  "x": 1,\n  "\\u0061gency": "b"\n}'
    with pytest.raises(DataError) as info:
        reportkit.load(text)
    assert info.value.line == 4 and info.value.column == 3 and "第二次在第 4 行" in info.value.message


def test_targets_written_from_the_package_root_are_found(form, data):
    """Some generators write a workbook's targets from the package root (``xl/worksheets/…``)
    instead of from ``xl/``; the part that exists is read."""
    def edit(name, body):
        if name == "xl/_rels/workbook.xml.rels":
            return re.sub(rb'Target="(?!/)([^"]+)"', rb'Target="xl/\1"', body)
        return body
    rooted = rezip(form, edit)
    assert b'Target="xl/worksheets/' in dict(members(rooted))["xl/_rels/workbook.xml.rels"]
    assert reportkit.load(rooted, name="2021.xlsx").data == data


def test_an_encrypted_docx_given_to_import_is_said_to_be_password_protected(tmp_path):
    path = tmp_path / "report.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptedPackage".encode("utf-16-le")
                     + bytes(1024))
    with pytest.raises(DocumentError) as info:
        reportkit.import_report(path)
    assert "受密码保护" in info.value.message and ".doc）" not in info.value.message
