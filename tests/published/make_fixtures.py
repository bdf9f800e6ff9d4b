"""Make the published-format fixtures from text exports, the way departments publish a 自评表.

For each source form (a text export in the repository) this writes, beside this script:
- `NAME.html`: the form as a government page writes it — the form table inside a page-layout
  table, a navigation table before it and an attachments table after it, merged cells as
  `rowspan` / `colspan` (the title and label rows across, the 一级 / 二级 columns of the
  indicator table down), `&nbsp;` in blank cells; GB18030-encoded with a `<meta charset>` for
  the national example (as many sites still serve), UTF-8 otherwise;
- `NAME.docx`: the same table in a Word document (landscape A4) with the same merges, the title
  row marked to repeat on every page;
- `NAME.pdf`: that document printed to PDF by LibreOffice (`soffice --headless --convert-to pdf`),
  so the table runs across pages with the title row repeated and long cells wrapped.

Run from the repository root: `.venv/bin/python tests/published/make_fixtures.py` (LibreOffice's
`soffice` must be on PATH; `.ci/run` installs it). The outputs are committed; the test
`tests/test_published.py` loads them and compares them with the text export.
"""

from __future__ import annotations

import html
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from selfeval.layouts.reader import label_key as key  # noqa: E402
from selfeval.loaders.text import decode, text_to_grid  # noqa: E402

SOURCES = {
    "national_farmland": (ROOT / "selfeval" / "examples" / "national_farmland.txt", "gb18030"),
    "yunnan_yongde": (ROOT / "tests" / "corpus" / "yunnan_2022_yongde_school_nutrition.txt", "utf-8"),
    "suzhou_seed": (ROOT / "selfeval" / "examples" / "seed.txt", "utf-8"),
}
NAME_HEADERS = {"三级指标", "指标名称"}
TOTALS = {"总分", "合计"}


def grid_rows(path: Path) -> list[list[str]]:
    text, _ = decode(path.read_bytes(), str(path))
    rows = [[c.strip() for c in r] for r in text_to_grid(text, str(path)).rows]
    while rows and not any(rows[0]):  # a published table starts at its title
        rows.pop(0)
    width = max(len(r) for r in rows)
    return [r + [""] * (width - len(r)) for r in rows]


def merges(rows: list[list[str]]) -> dict[tuple[int, int], tuple[int, int]]:
    """(row, col) of a merged cell's first cell → (rowspan, colspan); only blank cells are covered."""
    width = len(rows[0])
    out: dict[tuple[int, int], tuple[int, int]] = {}
    for i, row in enumerate(rows):  # across: a row's last value runs to the table's edge
        filled = [j for j, c in enumerate(row) if c]
        if filled and len(filled) <= 2 and filled[-1] < width - 1:
            out[(i, filled[-1])] = (1, width - filled[-1])
    header = next((i for i, r in enumerate(rows) if NAME_HEADERS & {key(c) for c in r}), None)
    if header is None:
        return out
    name_col = next(j for j, c in enumerate(rows[header]) if key(c) in NAME_HEADERS)
    end = next((i for i in range(header + 1, len(rows)) if key(next((c for c in rows[i] if c), "")) in TOTALS),
               len(rows))
    for j in range(name_col):  # down: 一级 / 二级 cells over the indicator rows below them
        i = header + 1
        while i < end:
            if rows[i][j] and (i, j) not in out:
                n = 1
                while i + n < end and not rows[i + n][j] and any(rows[i + n]):
                    n += 1
                if n > 1:
                    out[(i, j)] = (n, 1)
                i += n
            else:
                i += 1
    return out


def covered(spans: dict[tuple[int, int], tuple[int, int]]) -> set[tuple[int, int]]:
    return {(i + di, j + dj) for (i, j), (rs, cs) in spans.items() for di in range(rs) for dj in range(cs)
            if (di, dj) != (0, 0)}


def write_html(name: str, rows: list[list[str]], encoding: str) -> None:
    spans = merges(rows)
    hidden = covered(spans)
    body = []
    for i, row in enumerate(rows):
        tds = []
        for j, c in enumerate(row):
            if (i, j) in hidden:
                continue
            rs, cs = spans.get((i, j), (1, 1))
            attrs = (f' rowspan="{rs}"' if rs > 1 else "") + (f' colspan="{cs}"' if cs > 1 else "")
            tds.append(f"<td{attrs}>{html.escape(c) if c else '&nbsp;'}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    charset = "gb2312" if encoding == "gb18030" else "utf-8"
    page = f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}"><title>信息公开</title></head>
<body>
<table class="layout" width="100%"><tr><td>
  <table class="nav"><tr><td><a href="/">首页</a></td><td><a href="/xxgk/">信息公开</a></td><td>预决算公开</td></tr></table>
</td></tr><tr><td>
<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0">
{chr(10).join(body)}
</table>
</td></tr><tr><td>
  <table class="attachments"><tr><td>附件：</td><td><a href="#">自评表.doc</a></td></tr></table>
</td></tr></table>
</body></html>
"""
    (HERE / f"{name}.html").write_bytes(page.encode(encoding))


def write_docx(name: str, rows: list[list[str]], folder: Path) -> Path:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(12))
    style = document.styles["Normal"]
    style.font.size = Pt(9)
    style.font.name = "Noto Sans CJK SC"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Sans CJK SC")
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    spans = merges(rows)
    hidden = covered(spans)
    for i, row in enumerate(rows):
        for j, c in enumerate(row):
            if c and (i, j) not in hidden:
                table.cell(i, j).text = c
    for (i, j), (rs, cs) in spans.items():
        table.cell(i, j).merge(table.cell(i + rs - 1, j + cs - 1))
    header = table.rows[0]._tr.get_or_add_trPr()  # the title row repeats on every page
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    header.append(flag)
    path = HERE / f"{name}.docx"
    import datetime as dt

    fixed = dt.datetime(2000, 1, 1)  # the same bytes on every run: no timestamps
    document.core_properties.created = document.core_properties.modified = fixed
    document.save(path)
    return path


def write_pdf(docx_path: Path, folder: Path) -> None:
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(folder), str(docx_path)],
                   check=True, capture_output=True, timeout=180)
    (folder / f"{docx_path.stem}.pdf").replace(HERE / f"{docx_path.stem}.pdf")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        for name, (source, encoding) in SOURCES.items():
            rows = grid_rows(source)
            write_html(name, rows, encoding)
            write_pdf(write_docx(name, rows, Path(tmp)), Path(tmp))
            print("wrote", name, "from", source.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
