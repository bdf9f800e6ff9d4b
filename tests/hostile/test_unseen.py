"""What a person does not see is never read into a number: text hidden by a web page or struck
out, hidden Word runs and deleted revisions are left out (and noted); text Word shows inside
insertions, content controls and fields is read."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from selfeval.errors import FormError
from selfeval.loaders import load_form

PUBLISHED = Path(__file__).parent.parent / "published"
D = Decimal


@pytest.fixture(scope="module")
def farm_html() -> str:
    return (PUBLISHED / "national_farmland.html").read_bytes().decode("gb18030")


@pytest.fixture(scope="module")
def farm():
    return load_form(PUBLISHED / "national_farmland.html")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("hidden", "note"), [
    ('<span style="display:none">9</span>', "display:none"),
    ('<span style="visibility: hidden">9</span>', "display:none"),
    ("<del>9</del>", "<del>"),
    ("<s>9</s>", "<s>"),
    ('<span hidden>9</span>', "hidden"),
    ('<span class="x">9</span>', "页面样式隐藏"),
    ("<!-- 9 -->", None),
])
def test_hidden_html_text_never_reaches_a_number(tmp_path, farm_html, farm, hidden, note):
    assert "<td>1350</td>" in farm_html
    page = farm_html.replace("<td>1350</td>", f"<td>{hidden}1350</td>", 1)
    if "class=" in hidden:
        page = page.replace("<head>", "<head><style>.x { display: none }</style>", 1)
    form = load_form(write(tmp_path, "hidden.html", page))
    assert form.money.full_year_budget == D(1350) == farm.money.full_year_budget
    if note:
        assert any("不可见" in n and note in n for n in form.provenance.notes), form.provenance.notes


def _docx_with(replace: tuple[str, str]) -> bytes:
    src = (PUBLISHED / "national_farmland.docx").read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                text = data.decode("utf-8")
                assert replace[0] in text
                data = text.replace(replace[0], replace[1], 1).encode("utf-8")
            zout.writestr(item, data)
    return out.getvalue()


CELL = "<w:p><w:r><w:t>1350</w:t></w:r></w:p>"


@pytest.mark.parametrize(("xml", "note"), [
    # a tracked insertion: Word shows it (python-docx's paragraph.text drops it)
    ('<w:p><w:ins w:id="1" w:author="a"><w:r><w:t>1350</w:t></w:r></w:ins></w:p>', "修订插入"),
    # a content control around the paragraph
    ("<w:sdt><w:sdtContent><w:p><w:r><w:t>1350</w:t></w:r></w:p></w:sdtContent></w:sdt>", None),
    # a simple field
    ('<w:p><w:fldSimple w:instr="QUOTE"><w:r><w:t>1350</w:t></w:r></w:fldSimple></w:p>', None),
    # a hidden run beside the number: left out
    ('<w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t>9</w:t></w:r><w:r><w:t>1350</w:t></w:r></w:p>', "隐藏文字"),
    # a tracked deletion beside the number: left out
    ('<w:p><w:del w:id="2" w:author="a"><w:r><w:delText>9</w:delText></w:r></w:del><w:r><w:t>1350</w:t></w:r></w:p>',
     None),
])
def test_word_reads_what_word_shows(tmp_path, farm, xml, note):
    path = tmp_path / "w.docx"
    path.write_bytes(_docx_with((CELL, xml)))
    form = load_form(path)
    assert form.money.full_year_budget == D(1350) == farm.money.full_year_budget
    if note:
        assert any(note in n for n in form.provenance.notes), form.provenance.notes


def test_two_forms_on_one_page_is_an_error_naming_both(tmp_path, farm_html):
    start, end = farm_html.index("<table"), farm_html.rindex("</table>") + len("</table>")
    page = farm_html[:end] + "<p>另一个项目</p>" + farm_html[start:end] + farm_html[end:]
    with pytest.raises(FormError, match=r"two 自评表 in this page: table \d+、table \d+"):
        load_form(write(tmp_path, "two.html", page))
