"""Input limits of what a form may hold before it is refused, not read (the limits themselves,
their defaults and variables, are `selfeval.limits`, the one place for every file selfeval reads).

A 自评表 is a few hundred cells on one to a few pages. Anything far larger is a mistake or an
attack (a 12 MB workbook whose `<dimension>` lies, a PDF of a whole year's budget book), and
reading it would take minutes or gigabytes before failing.

Scoring and review are linear in the number of indicators (benchmarks/ measures 32 000 in about
a second), so the indicator limit guards the report, which draws every row.
"""

from __future__ import annotations

from selfeval.errors import FormError, Problem
from selfeval.limits import DEFAULTS, limit


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
