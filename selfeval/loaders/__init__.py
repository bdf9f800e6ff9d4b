"""Loading forms from the formats people have: text export, Excel workbook, canonical YAML."""

from __future__ import annotations

import hashlib
from pathlib import Path

from selfeval.errors import FormError, Problem, SelfevalError
from selfeval.form.model import Form, Provenance
from selfeval.layouts import Layout, resolve
from selfeval.layouts import parse_grid as _parse_with_layout
from selfeval.layouts.reader import Grid
from selfeval.limits import read_input
from selfeval.loaders.limits import ZIP_SIGNATURE, check_indicators, check_size, check_unzipped
from selfeval.loaders.text import decode, text_to_grid
from selfeval.loaders.yamlform import dump_yaml, parse_yaml_form

TEXT_SUFFIXES = {".txt", ".tsv", ".tab", ".csv", ""}
YAML_SUFFIXES = {".yaml", ".yml"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
HTML_SUFFIXES = {".html", ".htm"}
PUBLISHED_SUFFIXES = {*HTML_SUFFIXES, ".docx", ".pdf"}  # forms as departments publish them
#: What a folder scan takes for a form (a file with no suffix is read when named, not when found).
FORM_SUFFIXES = (TEXT_SUFFIXES - {""}) | YAML_SUFFIXES | EXCEL_SUFFIXES | PUBLISHED_SUFFIXES


def parse_grid(grid: Grid, provenance: Provenance, layout: str | Layout | None = None) -> Form:
    """Parse a grid with the registered layout that claims it (or the one given)."""
    return _parse_with_layout(grid, provenance, layout)


def source_grid(path: str | Path, sheet: str | None = None) -> Grid | None:
    """The grid a text export or workbook holds (None for a YAML form, which has none)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in YAML_SUFFIXES:
        return None
    data = read_input(p, "form file", SelfevalError)  # the one gate, for `inspect` too
    check_unzipped(data, str(p))
    if suffix in EXCEL_SUFFIXES and _is_html(data):
        return _published(data, str(p), ".html")[0]
    if suffix in EXCEL_SUFFIXES:
        # a format's reader, and its library, load only for its files
        from selfeval.loaders.excel import workbook_to_grid

        return workbook_to_grid(data, str(p), sheet)[0]
    if suffix in PUBLISHED_SUFFIXES:
        return _published(data, str(p), suffix)[0]
    return text_to_grid(decode(data, str(p))[0], str(p))


def _is_html(data: bytes) -> bool:
    """A web page under a workbook's name: no zip or OLE signature, and a <table> near the start."""
    from selfeval.loaders.excel import OLE_MAGIC  # asked only of workbook names: excel is loaded next anyway

    if data.startswith((ZIP_SIGNATURE, OLE_MAGIC)):
        return False
    head = data[:65536].lower()
    return b"<table" in head or b"<html" in head


def _published(data: bytes, source: str, suffix: str) -> tuple[Grid, Provenance]:
    """The form's grid from a web page, Word document or PDF, with how it was found."""
    if suffix in HTML_SUFFIXES:
        # a format's reader, and its library, load only for its files
        from selfeval.loaders.html import html_to_grid

        text, enc = decode(data, source)
        grid, which, notes = html_to_grid(text, source)
        return grid, Provenance(loader="html", encoding=enc, table=which, notes=notes)
    if suffix == ".docx":
        # a format's reader, and its library, load only for its files
        from selfeval.loaders.docx import docx_to_grid

        grid, which, notes = docx_to_grid(data, source)
        return grid, Provenance(loader="docx", table=which, notes=notes)
    # a format's reader, and its library, load only for its files
    from selfeval.loaders.pdf import pdf_to_grid

    grid, which, skipped = pdf_to_grid(data, source)
    return grid, Provenance(loader="pdf", table=which, skipped=skipped)


def load_form(path: str | Path, sheet: str | None = None, layout: str | Path | Layout | None = None) -> Form:
    """Load a form by file suffix (see `_load`); a form of more indicators than the limit is refused."""
    form = _load(path, sheet, layout)
    check_indicators(len(form.indicators), str(path))
    return form


def _load(path: str | Path, sheet: str | None = None, layout: str | Path | Layout | None = None) -> Form:
    """Load a form by file suffix: a text export, an Excel workbook, a YAML file, or the form as
    published — a web page (.html), a Word document (.docx) or a PDF with a text layer.

    `layout` reads a text or workbook form with that layout instead of the detected one: a
    registered name (`national`), a layout file (`my-county.yaml`, see docs/layouts.md) or a
    `Layout`. A YAML form states its own layout and ignores it.
    """
    lay = resolve(layout)
    p = Path(path)
    source = str(p)
    try:
        info = p.stat()
    except FileNotFoundError:
        raise FormError([Problem(source, "", "file", "nothing", "an existing file")]) from None
    except OSError as exc:  # a name too long, a loop of links: said, not a traceback
        raise FormError([Problem(source, "", "file", exc.strerror or str(exc), "a readable form file")]) from None
    if p.is_dir():
        raise FormError([Problem(source, "", "file", "a directory", "a form file")])
    if not p.is_file():  # a FIFO or a device (/dev/zero) would hang or never end
        raise FormError([Problem(source, "", "file", "not a regular file (a pipe or a device)", "a form file")])
    check_size(info.st_size, source)
    try:  # the one gate every file goes through (it may have changed since the stat above)
        data = read_input(p, "form file", SelfevalError)
    except SelfevalError as exc:
        raise FormError([Problem(source, "", "file", str(exc).removeprefix(f"{source}: "), "a readable form file")]) from None
    sha = hashlib.sha256(data).hexdigest()
    check_unzipped(data, source)  # a .docx or .xlsx that packs a bomb is refused before it inflates
    suffix = p.suffix.lower()
    if suffix in YAML_SUFFIXES:
        text, enc = decode(data, source)
        return parse_yaml_form(text, Provenance(path=source, sha256=sha, loader="yaml", encoding=enc))
    if suffix in EXCEL_SUFFIXES and _is_html(data):
        # Many sites serve an HTML table under a .xls name (Excel opens it): read it as the page it is
        grid, prov = _published(data, source, ".html")
        prov = prov.model_copy(update={"path": source, "sha256": sha, "notes": [
            f"文件名为{suffix}，内容是网页表格（HTML），按网页读取"]})
        return parse_grid(grid, prov, lay)
    if suffix in EXCEL_SUFFIXES:
        from selfeval.loaders.excel import workbook_to_grid  # imported lazily: only Excel users pay for it

        grid, sheet_name = workbook_to_grid(data, source, sheet)
        return parse_grid(grid, Provenance(path=source, sha256=sha, loader="excel", sheet=sheet_name), lay)
    if suffix in PUBLISHED_SUFFIXES:
        grid, prov = _published(data, source, suffix)
        return parse_grid(grid, prov.model_copy(update={"path": source, "sha256": sha}), lay)
    text, enc = decode(data, source)
    grid = text_to_grid(text, source)
    return parse_grid(grid, Provenance(path=source, sha256=sha, loader="text", encoding=enc), lay)


def write_yaml(form: Form, path: str | Path) -> None:
    """Save a form as canonical YAML."""
    Path(path).write_text(dump_yaml(form), encoding="utf-8")


def form_files(folder: str | Path) -> list[Path]:
    """The files in `folder` that are forms or params files, by name (hidden files, Office lock
    files and `*.decisions.yaml` left out): what a folder of forms means to the API, the portfolio
    and the record alike."""
    source = Path(folder).expanduser()
    if not source.is_dir():
        raise SelfevalError(f"{source}: not a folder of forms or params files")
    return sorted(p for p in source.iterdir()
                  if p.is_file() and p.suffix.lower() in FORM_SUFFIXES and not p.name.startswith((".", "~$"))
                  and not p.name.endswith(".decisions.yaml"))


__all__ = ["dump_yaml", "form_files", "load_form", "parse_grid", "source_grid", "write_yaml"]
