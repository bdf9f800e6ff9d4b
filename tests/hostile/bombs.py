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


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF of these objects (numbered from 1, the first the catalog) with its cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _one_page_pdf(path: Path, content: bytes) -> Path:
    import zlib

    packed = zlib.compress(content, 9)
    path.write_bytes(_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(packed)} /Filter /FlateDecode >>\nstream\n".encode() + packed + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]))
    return path


def pdf_text_bomb(path: Path, megabytes: int = 40) -> Path:
    """One page whose text packs 40 MB (40 million characters to lay out) into under 100 KB."""
    line = b"BT /F1 1 Tf 10 10 Td (" + b"a" * 1000 + b") Tj ET\n"
    return _one_page_pdf(path, line * (megabytes * 1000))


def pdf_dense_rulings(path: Path, n: int = 120) -> Path:
    """One page ruled with n × n small boxes (14 400): finding tables among them took minutes."""
    boxes = [f"{10 + i * 4.8:.1f} {10 + j * 6.4:.1f} 4.8 6.4 re S" for i in range(n) for j in range(n)]
    return _one_page_pdf(path, "\n".join([*boxes, "BT /F1 5 Tf 20 20 Td (x) Tj ET"]).encode())


def pdf_page_tree(path: Path, levels: int = 7, fan: int = 10) -> Path:
    """A page tree whose every node lists the same child `fan` times: 10 million page entries."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(levels):
        kids = " ".join([f"{3 + level} 0 R"] * fan)
        objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {fan ** (levels - level)} >>".encode())
    leaf = 2 + levels
    objects.append(f"<< /Type /Page /Parent {leaf - 1} 0 R /MediaBox [0 0 600 800] /Contents {leaf + 1} 0 R >>".encode())
    objects.append(b"<< /Length 3 >>\nstream\nq Q\nendstream")
    path.write_bytes(_pdf(objects))
    return path


def docx_rewritten(path: Path, edit) -> Path:
    """The published .docx with its `word/document.xml` passed through `edit`."""
    with zipfile.ZipFile(PUBLISHED / "yunnan_yongde.docx") as zin, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                data = edit(data.decode("utf-8")).encode("utf-8")
            zout.writestr(item, data)
    return path


def docx_wide_span(path: Path, columns: int = 1_000_000) -> Path:
    """The published .docx with one cell spanning a million columns (python-docx walks each)."""
    return docx_rewritten(path, lambda xml: re.sub(r'<w:gridSpan w:val="\d+"/>', f'<w:gridSpan w:val="{columns}"/>',
                                                   xml, count=1))


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
                 pdf_text_bomb(out / "text.pdf"), pdf_dense_rulings(out / "rulings.pdf"),
                 pdf_page_tree(out / "pages.pdf"), docx_wide_span(out / "span.docx"),
                 far_cell_workbook(out / "far.xlsx", 1_000_000, 200), lying_dimension(out / "dimension.xlsx")):
        print(made, made.stat().st_size)
