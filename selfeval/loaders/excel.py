"""Excel workbooks (.xlsx/.xlsm and legacy .xls) → the same `Grid` the text export gives.

A department's workbook holds the form on one sheet whose rows and cells are the text export's
lines and tab-separated cells, so the layouts (`selfeval.layouts`) read it unchanged once
every cell is the text a person sees. What real workbooks do, and how it is read:

- **Values** come from python-calamine (fast, reads .xlsx and .xls). Formulas give their cached
  result, as Excel shows them. Merged cells carry their value in the top-left cell only, like the
  text export.
- **Numbers** become exact decimal text via `float_to_decimal` (so a result Excel cached as
  2077.78 − 2077.6 = 0.18000000000029104 reads as 0.18; never `Decimal(float)`), never in
  exponent form. LibreOffice caches the same result rounded to 15 significant digits,
  0.180000000000291, which `sheet_decimal` also reads as 0.18.
- **Number formats** are applied as far as they show the number without changing it, which is
  what the text export (the text Excel shows) holds: a percentage format shows 1.0 as "100%" and
  0.955 as "95.5%"; a fixed-decimals format pads, so 1 formatted 0.00 reads "1.00". Digits a
  format hides are kept (4.583333 shown as 4.58 reads 4.583333): Excel computes the form's totals
  from the stored value, so its identities hold on that value. Percentages typed as text stay
  text. Number formats are not in calamine's output, so a small scan of `xl/styles.xml` and the
  chosen sheet's XML finds the cells that carry one. That scan also finds formulas without a
  cached value (files written by scripts: refused, since their result is unknown) and error
  values (#DIV/0!, read as the text export shows them). It is skipped when the workbook has no
  such format, formula or error value.
- **Dates** (date-formatted numbers) become "2023年12月31日", which the target and actual parsers
  read.
- **Extent**: rows are numbered as the sheet's rows from row 1; trailing empty rows and columns
  are dropped. A sheet whose cells reach far past any form (a stray value in XFD1048576) is
  refused by where they end rather than read cell by cell.
- **Sheets**: the form is the first sheet (visible sheets before hidden ones) that carries a
  known layout's labels, unless `sheet` names one.
- **Refused files** say what they are: password-protected (an encrypted .xlsx is an OLE file with
  an EncryptedPackage stream; an encrypted .xls has a FILEPASS record), a damaged zip, a zip or
  OLE file that is no workbook, a text export or a web page saved under a workbook's name.

Legacy .xls files: values from calamine, number formats from xlrd (their XF records), so a
percentage stored as 0.9 reads "90%" as in an .xlsx; a formula cell whose saved result cannot be
read (blank) is refused like an .xlsx formula without a cached value. A web page saved under a
.xls name (many sites serve one) is read as the page it is (`loaders.html`).
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

from selfeval.errors import FormError, Problem
from selfeval.form.values import canonical, float_to_decimal, format_decimal, normalize
from selfeval.layouts import THRESHOLD, detect
from selfeval.layouts.reader import Grid
from selfeval.loaders.limits import ZIP_SIGNATURE, limit
from selfeval.loaders.text import decode

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # OLE compound file: .xls, or an encrypted .xlsx
# Stream names of an encrypted OOXML package inside its OLE container (UTF-16LE directory names).
_ENCRYPTION_MARKERS = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))
# An encrypted .xls: the workbook stream's BOF record (0x0809, 16 bytes) is followed by FILEPASS.
_XLS_FILEPASS = re.compile(rb"\x09\x08\x10\x00.{16}\x2f\x00", re.S)

ENCRYPTED_SEEN = "a password-protected (encrypted) workbook"
ENCRYPTED_EXPECTED = "a workbook without a password: remove the password and save again"
DAMAGED_EXPECTED = "a workbook that Excel or LibreOffice can open: save it again"

_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_REL_ID_STRICT = "{http://purl.oclc.org/ooxml/officeDocument/relationships}id"
# Built-in number formats (no numFmt element) that pad decimals or show a percentage.
_BUILTIN_FORMATS = {
    2: "0.00",
    4: "#,##0.00",
    7: "#,##0.00",
    8: "#,##0.00",
    9: "0%",
    10: "0.00%",
    39: "#,##0.00",
    40: "#,##0.00",
    43: "#,##0.00",
    44: "#,##0.00",
}
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
_ERROR_TYPE = re.compile(rb"\st=[\"']e[\"']")
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


# --- opening ---------------------------------------------------------------------------------------


def _refuse(
    source: str, seen: str, expected: str = "an Excel workbook (.xlsx, or a legacy .xls)"
) -> FormError:
    return FormError([Problem(source, "", "workbook", seen, expected)])


def _encrypted(data: bytes) -> bool:
    """True for an OLE file holding an encrypted OOXML package or an encrypted .xls."""
    return any(m in data for m in _ENCRYPTION_MARKERS) or _XLS_FILEPASS.search(data) is not None


def _open(data: bytes, source: str):
    """Open the workbook with calamine, or refuse it saying what the file is instead."""
    import python_calamine as pc

    if not data:
        raise _refuse(source, "an empty file")
    if data.startswith(OLE_MAGIC) and _encrypted(data):
        raise _refuse(source, ENCRYPTED_SEEN, ENCRYPTED_EXPECTED)
    try:
        return pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except pc.PasswordError:
        raise _refuse(source, ENCRYPTED_SEEN, ENCRYPTED_EXPECTED) from None
    except pc.CalamineError as exc:
        if data.startswith(ZIP_SIGNATURE) and _damaged_zip(data):
            raise _refuse(
                source, f"a damaged .xlsx: the zip archive is truncated or corrupt ({exc})", DAMAGED_EXPECTED
            ) from None
        raise _refuse(source, _what_it_is(data, exc)) from None


def _damaged_zip(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return zf.testzip() is not None
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, OSError):
        return True


def _what_it_is(data: bytes, exc: Exception) -> str:
    if data.startswith(ZIP_SIGNATURE):
        return f"a zip archive that is not an Excel workbook ({exc})"
    if data.startswith(OLE_MAGIC):
        return f"an OLE (legacy Office) file that is not a readable .xls workbook ({exc})"
    try:
        text = decode(data[:65536], "")[0]
    except (FormError, UnicodeDecodeError):
        text = ""
    head = text[:4096].lower()
    if "<html" in head or "<table" in head:
        return "a web page (HTML) saved under a workbook's name: open it in Excel and save it as .xlsx"
    if "\t" in text:
        return "a tab-separated text file (rename it to .txt to load it as the text export)"
    return "neither an .xlsx (zip) nor a legacy .xls file"


def _max_cells() -> int:
    """A form is a few hundred cells; a stray value at XFD1048576 is not a form (`limits`)."""

    return limit("SELFEVAL_MAX_SHEET_CELLS")


class _TooLarge(Exception):
    """A sheet whose used area is too large to be read as a grid."""


def _read(book, name: str, source: str, package: _Package | None) -> list[list[object]]:
    """The values of a sheet from A1 to its last used cell; `_TooLarge` past `_max_cells()`.

    calamine makes a dense grid of the used area, so a stray value in XFD1048576 would take all
    memory: an .xlsx sheet's extent is checked in its XML first, and every sheet's (an .xls's
    too) by the size calamine reports before it builds the grid.
    """
    import python_calamine as pc

    if package is not None:
        far = package.too_far(name)
        if far is not None:
            raise _TooLarge(f"{_column_letters(far[1])}{far[0] + 1}")
    try:
        sh = book.get_sheet_by_name(name)
        end = sh.end  # the last used cell, 0-based; the grid starts at A1
        if end is not None and (end[0] + 1) * (end[1] + 1) > _max_cells():
            raise _TooLarge(f"{_column_letters(end[1])}{end[0] + 1}")
        return sh.to_python(skip_empty_area=False)
    except pc.CalamineError as exc:
        raise _refuse(f"{source} [sheet {name}]", f"a damaged sheet ({exc})", DAMAGED_EXPECTED) from None


def _too_large(source: str, name: str, last: str) -> FormError:
    return FormError(
        [
            Problem(
                f"{source} [sheet {name}]",
                "",
                "sheet",
                f"cells used as far as {last}",
                "a form of a few hundred cells: delete the stray cells far from the form and save again",
            )
        ]
    )


# --- cell texts ------------------------------------------------------------------------------------


_ROUNDED_NOISE = re.compile(r"^(\d*?[1-9])(0{4,}|9{4,})\d{1,4}$")


def sheet_decimal(value: float) -> Decimal:
    """The number a spreadsheet cell holds, as `float_to_decimal` reads it, and also when the
    binary noise of a cached result was rounded to 15 significant digits (LibreOffice stores
    2077.78 − 2077.6 as 0.180000000000291, Excel as 0.18000000000029104): 15 digits whose meant
    number is followed by a run of four or more 0s or 9s and at most four noise digits."""
    d = canonical(float_to_decimal(value))
    digits = d.as_tuple().digits
    if len(digits) == 15:
        m = _ROUNDED_NOISE.match("".join(map(str, digits)))
        if m:
            meant = round(d.scaleb(-d.adjusted()), len(m.group(1)) - 1).scaleb(d.adjusted())
            return canonical(meant)
    return d


@dataclass(frozen=True)
class NumberFormat:
    """What a number format does to the text shown: × 100 with a % sign, decimals padded to."""

    percent: bool = False
    decimals: int = 0


def number_format(code: str) -> NumberFormat | None:
    """The effect of a number format code (first section) on the text, or None when it shows a
    plain number as typed: General, integers, and the formats not applied (dates, which calamine
    reads, scientific, fractions, text)."""
    first = code.split(";", 1)[0]
    shown = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.', "", first)  # literals, colours, padding
    if re.search(r"[A-Za-z/@]", shown) or not re.search(r"[0#?]", shown):
        return None
    m = re.search(r"\.([0#?]+)", shown)
    fmt = NumberFormat(percent="%" in shown, decimals=m.group(1).count("0") if m else 0)
    return fmt if fmt != NumberFormat() else None


def number_text(value: int | float, fmt: NumberFormat | None = None) -> str:
    """The exact decimal text of a numeric cell: 4.58 → "4.58", 2023.0 → "2023", 1.0 as 0% →
    "100%", 1 as 0.00 → "1.00"; never rounded, never in exponent form."""
    d = Decimal(value) if isinstance(value, int) else sheet_decimal(value)
    if fmt is None:
        return format_decimal(d)
    if fmt.percent:
        d = canonical(d * 100)
    if -d.as_tuple().exponent < fmt.decimals:  # pad, never round
        d = d.quantize(Decimal(1).scaleb(-fmt.decimals))
    return format_decimal(d) + ("%" if fmt.percent else "")


def cell_text(value: object, fmt: NumberFormat | None = None) -> str:
    """The text of one calamine value, as the text export would give it."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return number_text(value, fmt)
    if isinstance(value, dt.datetime):
        day = f"{value.year}年{value.month}月{value.day}日"
        return day if value.time() == dt.time() else f"{day} {value:%H:%M:%S}".removesuffix(":00")
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value)


# --- what calamine does not say: number formats, missing cached values, errors --------------------


@dataclass
class SheetFacts:
    """Cells of one sheet that need more than their calamine value, by 0-based (row, column)."""

    formats: dict[tuple[int, int], NumberFormat] = field(default_factory=dict)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    uncached: list[tuple[int, int, str]] = field(default_factory=list)  # formula cells, no result


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == name]


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, absolute part name) for `part`."""
    folder, name = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", f"{name}.rels")
    if rels_name not in zf.namelist():
        return {}
    out = {}
    for rel in ET.fromstring(zf.read(rels_name)):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        path = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(folder, target))
        )
        out[rel.get("Id", "")] = (rel.get("Type", ""), path)
    return out


def _workbook_part(zf: zipfile.ZipFile) -> str:
    for kind, path in _rels(zf, "").values():
        if kind.endswith("/officeDocument"):
            return path
    return "xl/workbook.xml"


def _number_styles(zf: zipfile.ZipFile, styles_part: str | None) -> dict[int, NumberFormat]:
    """Cell formats (index = a cell's `s` attribute) whose number format changes the text."""
    if styles_part is None or styles_part not in zf.namelist():
        return {}
    root = ET.fromstring(zf.read(styles_part))
    codes = dict(_BUILTIN_FORMATS)
    for nf in root.iter():
        if _local(nf.tag) == "numFmt" and nf.get("numFmtId", "").isdigit():
            codes[int(nf.get("numFmtId", "0"))] = nf.get("formatCode", "")
    out: dict[int, NumberFormat] = {}
    for xfs in _children(root, "cellXfs"):
        for n, xf in enumerate(_children(xfs, "xf")):
            fid = xf.get("numFmtId", "0")
            fmt = number_format(codes.get(int(fid), "")) if fid.isdigit() else None
            if fmt is not None:
                out[n] = fmt
    return out


def _ref(ref: str) -> tuple[int, int]:
    """0-based (row, column) of a cell reference such as "B12" (checked by the caller)."""
    m = _REF.match(ref)
    assert m is not None
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def _at(cell: str | tuple[int, int]) -> tuple[int, int]:
    return cell if isinstance(cell, tuple) else _ref(cell)


_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s+ref=[\"']([^\"']+)[\"']")
# the start tag of a cell that is not empty (<c r="B2" s="1"/> only carries a format)
_FILLED_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?\br=[\"']([A-Z]{1,3}\d+)[\"'][^>]*?(?<!/)>")


class _Package:
    """An .xlsx's parts: the part of each sheet and the styles, read with the standard library."""

    def __init__(self, data: bytes):
        self.zf = zipfile.ZipFile(io.BytesIO(data))
        self.parts = set(self.zf.namelist())
        wb_part = _workbook_part(self.zf)
        rels = _rels(self.zf, wb_part)
        self.sheets: dict[str, str] = {}
        for el in ET.fromstring(self.zf.read(wb_part)).iter():
            if _local(el.tag) == "sheet":
                rid = el.get(_REL_ID) or el.get(_REL_ID_STRICT) or ""
                part = rels.get(rid, ("", None))[1]
                if part is not None:
                    self.sheets[el.get("name", "")] = part
        self.styles = next((p for kind, p in rels.values() if kind.endswith("/styles")), None)

    def sheet_part(self, sheet: str) -> str:
        part = self.sheets.get(sheet)
        if part is None or part not in self.parts:
            raise KeyError(f"the part of sheet {sheet!r}")
        return part

    def too_far(self, sheet: str) -> tuple[int, int] | None:
        """The farthest filled cell of a sheet whose used area exceeds `_max_cells()`, else None."""
        part = self.sheets.get(sheet)
        if part is None or part not in self.parts:
            return None
        with self.zf.open(part) as fh:
            head = fh.read(4096)
        m = _DIMENSION.search(head)
        last = m.group(1).split(b":")[-1].decode("ascii", "replace") if m else ""
        if _REF.match(last):
            r, c = _ref(last)
            if (r + 1) * (c + 1) <= _max_cells():
                return None  # what Excel and LibreOffice write: the used range, small
        far_r = far_c = 0  # no or a large dimension (formatting counts there): find filled cells
        for m in _FILLED_CELL.finditer(self.zf.read(part)):
            r, c = _ref(m.group(1).decode("ascii"))
            far_r, far_c = max(far_r, r), max(far_c, c)
        return (far_r, far_c) if (far_r + 1) * (far_c + 1) > _max_cells() else None

    def close(self) -> None:
        self.zf.close()


def sheet_facts(data: bytes, sheet: str, package: _Package | None = None) -> SheetFacts:
    """Scan an .xlsx's styles and one sheet's XML for what calamine's values do not carry."""
    pkg = package or _Package(data)
    try:
        xml = pkg.zf.read(pkg.sheet_part(sheet))
        styles_used = _number_styles(pkg.zf, pkg.styles)
    finally:
        if package is None:
            pkg.close()
    facts = SheetFacts()
    formulas = _FORMULA_TAG.search(xml) is not None
    if not styles_used and not formulas and not _ERROR_TYPE.search(xml):
        return facts  # nothing calamine's values miss: skip the scan
    styles = {str(n): fmt for n, fmt in styles_used.items()}
    data_el = next((el for el in ET.fromstring(xml) if _local(el.tag) == "sheetData"), None)
    row = -1
    for row_el in [] if data_el is None else data_el:
        r = row_el.get("r")
        row = int(r) - 1 if r and r.isdigit() else row + 1
        prev: str | tuple[int, int] | None = None  # the previous cell: its reference, or where it is
        for c in row_el:
            ref = c.get("r")
            if ref is None or _REF.match(ref) is None:  # cells may leave out where they are
                last = -1 if prev is None else (prev if isinstance(prev, tuple) else _ref(prev))[1]
                prev = (row, last + 1)
            else:
                prev = ref  # parsed only for the few cells recorded
            kind = c.get("t", "n")
            if formulas or kind == "e":
                f = v = None
                for child in c:
                    name = _local(child.tag)
                    if name == "f":
                        f = child
                    elif name == "v":
                        v = child
                value = None if v is None else v.text
                if f is not None and value is None and kind not in ("str", "inlineStr"):
                    facts.uncached.append((*_at(prev), f.text or ""))
                    continue
                if kind == "e":
                    facts.errors[_at(prev)] = value or "#N/A"
                    continue
            fmt = styles.get(c.get("s", "0"))
            if fmt is not None and kind == "n":
                facts.formats[_at(prev)] = fmt
    return facts


def xls_facts(data: bytes, sheet: str, values: list[list[object]], where: str) -> SheetFacts:
    """A legacy .xls's number formats (xlrd reads its XF records) and its formula cells whose saved
    result calamine could not give (blank): what the .xlsx scan finds in XML, for BIFF."""
    import xlrd

    facts = SheetFacts()
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except Exception as exc:  # xlrd raises its own many kinds; the values were read, so say so
        raise _refuse(where, f"an .xls whose formats cannot be read ({type(exc).__name__}: {exc})",
                      DAMAGED_EXPECTED) from None
    try:
        sh = book.sheet_by_name(sheet)
        for r in range(sh.nrows):
            for c in range(sh.ncols):
                if sh.cell_type(r, c) != xlrd.XL_CELL_NUMBER:
                    continue
                fmt = book.format_map.get(book.xf_list[sh.cell_xf_index(r, c)].format_key)
                nf = number_format(fmt.format_str) if fmt is not None else None
                if nf is not None:
                    facts.formats[(r, c)] = nf
        for r, c in _xls_formula_cells(book, sheet):
            value = values[r][c] if r < len(values) and c < len(values[r]) else None
            if value in (None, ""):
                facts.uncached.append((r, c, ""))
    finally:
        book.release_resources()
    return facts


# BIFF8 cell records: (row, column) in their first four bytes; MULRK and MULBLANK end with the last column
_BIFF_CELLS = {0x0006, 0x00FD, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E}
_BIFF_MULTI = {0x00BD, 0x00BE}


def _records(stream: bytes, pos: int):
    """(record id, where its data starts, its size) of each BIFF record from `pos` up to the EOF
    record that ends a substream (the workbook globals or one sheet)."""
    import struct

    while pos + 4 <= len(stream):
        rid, size = struct.unpack_from("<HH", stream, pos)
        if rid == 0x000A:  # EOF
            return
        yield rid, pos + 4, size
        pos += 4 + size


class _Biff:
    """A legacy .xls's sheets, read from its BIFF records without building a grid, so a sheet
    whose used area is too large is refused before calamine allocates it (it builds the whole
    area of a sheet when the sheet is opened)."""

    def __init__(self, data: bytes):
        import struct

        from xlrd.compdoc import CompDoc  # xlrd's reader of the OLE container

        doc = CompDoc(data)
        self.stream = bytes(doc.get_named_stream("Workbook") or doc.get_named_stream("Book") or b"")
        self.sheets: dict[str, int] = {}
        for rid, at, size in _records(self.stream, 0):  # the workbook globals
            if rid == 0x002F:  # FILEPASS: what follows is encrypted (calamine refuses the book, saying so)
                self.sheets = {}
                break
            if rid == 0x0085 and size >= 8:  # BOUNDSHEET: where a sheet's substream starts, and its name
                offset, = struct.unpack_from("<I", self.stream, at)
                length, flags = self.stream[at + 6], self.stream[at + 7]
                raw = self.stream[at + 8:at + 8 + (2 * length if flags & 1 else length)]
                self.sheets[raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace")] = offset

    def too_far(self, sheet: str) -> tuple[int, int] | None:
        """The farthest filled cell of a sheet whose used area exceeds `_max_cells()`, else None."""
        import struct

        pos = self.sheets.get(sheet)
        if pos is None:
            return None
        far_r = far_c = 0
        for rid, at, size in _records(self.stream, pos):
            if (rid in _BIFF_CELLS or rid in _BIFF_MULTI) and size >= 6:
                r, c = struct.unpack_from("<HH", self.stream, at)
                if rid in _BIFF_MULTI:
                    c, = struct.unpack_from("<H", self.stream, at + size - 2)
                far_r, far_c = max(far_r, r), max(far_c, c)
        return (far_r, far_c) if (far_r + 1) * (far_c + 1) > _max_cells() else None


def _xls_formula_cells(book, sheet: str) -> list[tuple[int, int]]:
    """(row, column) of every FORMULA record (BIFF id 0x0006) of one sheet's substream."""
    import struct

    stream = book.mem
    index = book.sheet_names().index(sheet)
    pos = book._sh_abs_posn[index]  # where the sheet's BOF is (xlrd read it from BOUNDSHEET; private)
    return [struct.unpack_from("<HH", stream, at) for rid, at, size in _records(stream, pos)
            if rid == 0x0006 and size >= 4]


def _column_letters(col: int) -> str:
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


# --- sheets -----------------------------------------------------------------------------------------


def _texts(values: list[list[object]]) -> list[list[str]]:
    """Each cell's text by its value alone."""
    return [[cell_text(v) for v in row] for row in values]


def _finish(texts: list[list[str]], values: list[list[object]], facts: SheetFacts) -> list[list[str]]:
    """Cell texts with number formats and error values applied, trailing empty rows and columns
    dropped."""
    for (i, j), fmt in facts.formats.items():
        if i < len(values) and j < len(values[i]):
            texts[i][j] = cell_text(values[i][j], fmt)
    for (i, j), error in facts.errors.items():
        while len(texts) <= i:
            texts.append([])
        texts[i].extend([""] * (j + 1 - len(texts[i])))
        texts[i][j] = error
    while texts and not any(texts[-1]):
        texts.pop()
    width = max((max((j + 1 for j, c in enumerate(r) if c), default=0) for r in texts), default=0)
    return [r[:width] for r in texts]


def _grid(rows: list[list[str]], source: str) -> Grid:
    return Grid(rows=rows, numbers=list(range(1, len(rows) + 1)), source=source, unit="row")


def looks_like_form(grid: Grid) -> bool:
    """True when some registered layout claims the grid (used to pick the form's sheet)."""

    return any(d.confidence >= THRESHOLD for _, d in detect(grid))


def _worksheets(book) -> list[str]:
    """Worksheet names, visible ones first (chart and macro sheets hold no cells)."""
    import python_calamine as pc

    sheets = [m for m in book.sheets_metadata if m.typ == pc.SheetTypeEnum.WorkSheet]
    visible = [m.name for m in sheets if m.visible == pc.SheetVisibleEnum.Visible]
    return visible + [m.name for m in sheets if m.name not in visible]


def _named(names: list[str], wanted: str, all_names: list[str], source: str) -> str:
    if wanted in names:
        return wanted
    key = normalize(wanted).casefold()
    close = [n for n in names if normalize(n).casefold() == key]
    if len(close) == 1:
        return close[0]
    listed = "、".join(all_names) or "none"
    raise FormError([Problem(source, "", "sheet", wanted, f"one of the workbook's sheets: {listed}")])


def workbook_to_grid(data: bytes, source: str, sheet: str | None = None) -> tuple[Grid, str]:
    """The grid of the sheet holding the form, and that sheet's name.

    `sheet` chooses the sheet (--sheet, the params key `sheet`); otherwise the first sheet with a
    form's labels. Problems name the sheet: their source is "PATH [sheet NAME]".
    """
    if data.startswith(OLE_MAGIC):
        # calamine builds every sheet of an .xls as it opens the book: a stray far cell in any
        # sheet is refused before that, read from the BIFF records
        try:
            biff = _Biff(data)
        except Exception:  # xlrd's container errors are many kinds; calamine then says what the file is
            biff = None
        for name in biff.sheets if biff is not None else ():
            far = biff.too_far(name)
            if far is not None:
                raise _too_large(source, name, f"{_column_letters(far[1])}{far[0] + 1}")
    book = _open(data, source)
    package = None
    try:
        if data.startswith(ZIP_SIGNATURE):
            try:
                package = _Package(data)
            except (KeyError, ET.ParseError, zipfile.BadZipFile, ValueError) as exc:
                raise _refuse(
                    source, f"a workbook whose structure cannot be read ({exc})", DAMAGED_EXPECTED
                ) from None
        all_names = list(book.sheet_names)
        names = _worksheets(book)
        if sheet is not None:
            chosen = _named(names, sheet, all_names, source)
            try:
                values = _read(book, chosen, source, package)
            except _TooLarge as exc:
                raise _too_large(source, chosen, str(exc)) from None
            texts = _texts(values)
        else:
            large: dict[str, str] = {}
            for name in names:
                try:
                    values = _read(book, name, source, package)
                except _TooLarge as exc:
                    large[name] = str(exc)
                    continue
                texts = _texts(values)
                if looks_like_form(_grid(texts, source)):
                    chosen = name
                    break
            else:
                if len(large) == 1 and len(names) == 1:
                    raise _too_large(source, *large.popitem())
                listed = (
                    "、".join(
                        f"'{n}'" + (f" (cells as far as {large[n]}: not read)" if n in large else "")
                        for n in all_names
                    )
                    or "no sheets"
                )
                raise FormError(
                    [
                        Problem(
                            source,
                            "",
                            "sheet",
                            f"{listed}: none with a 自评表's labels (预算执行情况 and 子项名称)",
                            "a sheet holding the self-evaluation form (自评表); name it with --sheet or the params "
                            "key sheet",
                        )
                    ]
                )
        where = f"{source} [sheet {chosen}]"
        facts = SheetFacts()
        if data.startswith(OLE_MAGIC):
            facts = xls_facts(data, chosen, values, where)
        if package is not None:
            try:
                facts = sheet_facts(data, chosen, package)
            except (KeyError, ET.ParseError, zipfile.BadZipFile, ValueError) as exc:
                raise _refuse(
                    where, f"a workbook whose structure cannot be read ({exc})", DAMAGED_EXPECTED
                ) from None
    finally:
        book.close()
        if package is not None:
            package.close()
    if facts.uncached:
        raise FormError(
            [
                Problem(
                    where,
                    f"row {r + 1}, column {c + 1} ({_column_letters(c)}{r + 1})",
                    "formula with no cached value",
                    f"={formula}" if formula else "a shared formula",
                    "a saved result: open the workbook in Excel or LibreOffice and save it again "
                    "(files written by scripts keep formulas without their results)",
                )
                for r, c, formula in facts.uncached
            ]
        )
    return _grid(_finish(texts, values, facts), where), chosen


__all__ = [
    "NumberFormat",
    "cell_text",
    "looks_like_form",
    "number_format",
    "number_text",
    "sheet_decimal",
    "sheet_facts",
    "workbook_to_grid",
]
