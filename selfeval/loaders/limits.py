"""Input limits in one place: what a form file may be before it is refused, not read.

A 自评表 is a few hundred cells on one to a few pages. Anything far larger is a mistake or an
attack (a 12 MB workbook whose `<dimension>` lies, a PDF of a whole year's budget book), and
reading it would take minutes or gigabytes before failing. Each limit has a default here and can
be raised by an environment variable for the rare real case.

| limit | default | variable |
|---|---|---|
| file size | 20 MiB | `SELFEVAL_MAX_FILE_MB` |
| cells in a published table (HTML, Word, PDF) | 200 000 | `SELFEVAL_MAX_CELLS` |
| PDF pages read | 60 | `SELFEVAL_MAX_PAGES` |
| cells of a workbook sheet's used area (not trusting `<dimension>`) | 1 000 000 | `SELFEVAL_MAX_SHEET_CELLS` |
| indicators in one form | 2 000 | `SELFEVAL_MAX_INDICATORS` |

Scoring and review are linear in the number of indicators (benchmarks/ measures 32 000 in about
a second), so the indicator limit guards the report, which draws every row.
"""

from __future__ import annotations

import os

from selfeval.errors import FormError, Problem

DEFAULTS = {"SELFEVAL_MAX_FILE_MB": 20, "SELFEVAL_MAX_CELLS": 200_000, "SELFEVAL_MAX_PAGES": 60,
            "SELFEVAL_MAX_SHEET_CELLS": 1_000_000, "SELFEVAL_MAX_INDICATORS": 2_000}


def limit(name: str) -> int:
    """The limit `name` (an environment variable of `DEFAULTS`): its value there, else the default."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return DEFAULTS[name]
    try:
        value = int(raw)
    except ValueError:
        raise FormError([Problem(name, "", "limit", raw, "a whole number")]) from None
    if value <= 0:
        raise FormError([Problem(name, "", "limit", raw, "a number above 0")])
    return value


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


__all__ = ["DEFAULTS", "check_cells", "check_indicators", "check_size", "limit"]
