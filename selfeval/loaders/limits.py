"""Input limits of what a form may hold before it is refused, not read (the limits themselves,
their defaults and variables, are `selfeval.limits`, the one place for every file selfeval reads).

A 自评表 is a few hundred cells on one to a few pages. Anything far larger is a mistake or an
attack (a 12 MB workbook whose `<dimension>` lies, a PDF of a whole year's budget book), and
reading it would take minutes or gigabytes before failing.

Scoring and review are linear in the number of indicators (benchmarks/ measures 32 000 in about
a second), so the indicator limit guards the report, which draws every row.
"""

from __future__ import annotations

import io
import re
import zipfile

from selfeval.errors import FormError, Problem
from selfeval.limits import DEFAULTS, limit

ZIP_SIGNATURE = b"PK\x03\x04"


def check_size(size: int, source: str) -> None:
    """Refuse a file larger than SELFEVAL_MAX_FILE_MB before reading it."""
    most = limit("SELFEVAL_MAX_FILE_MB")
    if size > most * 1024 * 1024:
        raise FormError([Problem(source, "", "file", f"{size / 1024 / 1024:.1f} MiB",
                                 f"a form file of at most {most} MiB (raise SELFEVAL_MAX_FILE_MB if it is real)")])


def check_cells(count: int, source: str, where: str) -> None:
    """Refuse a published table with more cells than SELFEVAL_MAX_CELLS."""
    most = limit("SELFEVAL_MAX_CELLS")
    if count > most:
        raise FormError([Problem(source, where, "table", f"{count} cells",
                                 f"at most {most} cells (raise SELFEVAL_MAX_CELLS if it is real)")])


def check_indicators(count: int, source: str) -> None:
    """Refuse a form with more indicators than SELFEVAL_MAX_INDICATORS."""
    most = limit("SELFEVAL_MAX_INDICATORS")
    if count > most:
        raise FormError([Problem(source, "", "indicators", f"{count} indicators",
                                 f"at most {most} (a 自评表 has tens; raise SELFEVAL_MAX_INDICATORS if it is real)")])


def check_unzipped(data: bytes, source: str) -> None:
    """Refuse a zip package (.docx, .xlsx) whose members unpack past SELFEVAL_MAX_UNZIPPED_MB
    together, counted while inflating a chunk at a time (a member's stated size may lie, and a
    900 MB run of spaces packs into under 1 MB)."""
    if not data.startswith(ZIP_SIGNATURE):
        return
    cap = limit("SELFEVAL_MAX_UNZIPPED_MB") * 1024 * 1024
    total = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                with zf.open(info) as member:
                    while chunk := member.read(1 << 20):
                        total += len(chunk)
                        if total > cap:
                            raise FormError([Problem(
                                source, info.filename, "package",
                                f"more than {limit('SELFEVAL_MAX_UNZIPPED_MB')} MB when unpacked",
                                "a document that unpacks to less (SELFEVAL_MAX_UNZIPPED_MB)")])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, ValueError):
        return  # not a package the reader can open: it says so itself


_TABLE_TAG = re.compile(r"<(/?)table\b", re.I)


def check_table_depth(text: str, source: str) -> None:
    """Refuse a web page whose tables nest deeper than SELFEVAL_MAX_TABLE_DEPTH (a 自评表 nests
    none or one; thousands take the HTML parser minutes)."""
    cap, depth = limit("SELFEVAL_MAX_TABLE_DEPTH"), 0
    for m in _TABLE_TAG.finditer(text):
        depth = max(0, depth - 1) if m.group(1) else depth + 1
        if depth > cap:
            line = text.count("\n", 0, m.start()) + 1
            raise FormError([Problem(source, f"line {line}", "table", f"tables nested more than {cap} deep",
                                     "a page whose tables nest less (SELFEVAL_MAX_TABLE_DEPTH)")])


__all__ = ["DEFAULTS", "ZIP_SIGNATURE", "check_cells", "check_indicators", "check_size", "check_table_depth",
           "check_unzipped", "limit"]
