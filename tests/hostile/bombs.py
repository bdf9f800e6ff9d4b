"""Small files that cost much to read, made here (each under 1 MB): a .docx whose document
unpacks to 900 MB, a page of tables nested 3,000 deep, workbooks with one cell far from the form.
`python tests/hostile/bombs.py DIR` writes them all to DIR."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = ROOT / "tests" / "published"


def docx_zip_bomb(path: Path, megabytes: int = 900) -> Path:
    """The published .docx with `megabytes` of spaces inside its body (deflate packs them 1000:1)."""
    with zipfile.ZipFile(PUBLISHED / "yunnan_yongde.docx") as zin, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename != "word/document.xml":
                zout.writestr(item, data)
                continue
            text = data.decode("utf-8")
            at = text.index("<w:body>") + len("<w:body>")
            info = zipfile.ZipInfo("word/document.xml")
            info.compress_type = zipfile.ZIP_DEFLATED
            with zout.open(info, "w", force_zip64=True) as fh:
                fh.write(text[:at].encode("utf-8"))
                spaces = b" " * (1 << 20)
                for _ in range(megabytes):
                    fh.write(spaces)
                fh.write(text[at:].encode("utf-8"))
    return path


def nested_tables(path: Path, depth: int = 3000) -> Path:
    """A page of about 100 KB: tables nested `depth` deep."""
    path.write_text("<html><body>" + "<table><tr><td>" * depth + "x" + "</td></tr></table>" * depth
                    + "</body></html>", encoding="utf-8")
    return path


def far_cell_workbook(path: Path, row: int | None, column: int | None) -> Path:
    """The seed form as a workbook with one more cell at (`row`, `column`) (None: none); `.xls`
    through LibreOffice (which must be installed)."""
    import openpyxl

    from selfeval.loaders import load_form
    from selfeval.views.form_sheet import write_form_workbook

    xlsx = path.with_suffix(".xlsx")
    write_form_workbook(load_form(ROOT / "selfeval" / "examples" / "seed.txt"), xlsx)
    if row is not None and column is not None:
        wb = openpyxl.load_workbook(xlsx)
        wb.active.cell(row=row, column=column, value="x")
        wb.save(xlsx)
    if path.suffix == ".xls":
        subprocess.run(["soffice", "--headless", "--convert-to", "xls", "--outdir", str(path.parent), str(xlsx)],
                       check=True, capture_output=True, timeout=120)
    return path


def lying_dimension(path: Path) -> Path:
    """An .xlsx whose sheet says it spans A1:XFD1048576."""
    far_cell_workbook(path.with_name("plain.xlsx"), None, None)
    with zipfile.ZipFile(path.with_name("plain.xlsx")) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', data)
            zout.writestr(item, data)
    return path


if __name__ == "__main__":
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for made in (docx_zip_bomb(out / "bomb.docx"), nested_tables(out / "nested.html"),
                 far_cell_workbook(out / "far.xlsx", 1_000_000, 200), lying_dimension(out / "dimension.xlsx")):
        print(made, made.stat().st_size)
