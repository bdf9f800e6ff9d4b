"""Input limits in one place, and the one gate every file selfeval reads goes through (YAML
files too: `read_yaml`).

Each limit has a default here and can be raised by an environment variable for the rare real case.

| limit | default | variable |
|---|---|---|
| file size (forms, params, decisions, layout, ruleset and aliases files) | 20 MiB | `SELFEVAL_MAX_FILE_MB` |
| cells in a published table (HTML, Word, PDF) | 200 000 | `SELFEVAL_MAX_CELLS` |
| PDF pages read | 60 | `SELFEVAL_MAX_PAGES` |
| cells of a workbook sheet's used area (not trusting `<dimension>`) | 1 000 000 | `SELFEVAL_MAX_SHEET_CELLS` |
| indicators in one form | 2 000 | `SELFEVAL_MAX_INDICATORS` |
| bytes a .docx or .xlsx unpacks to, all members together (counted while inflating) | 100 MiB | `SELFEVAL_MAX_UNZIPPED_MB` |
| tables nested in tables on a web page | 8 | `SELFEVAL_MAX_TABLE_DEPTH` |
| a PDF page's drawing and text, unpacked (counted while inflating) | 8 MiB | `SELFEVAL_MAX_PAGE_CONTENT_MB` |
| lines and boxes on one PDF page (finding tables among them grows faster than their number) | 5 000 | `SELFEVAL_MAX_PAGE_RULINGS` |
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

from selfeval.errors import FormError, Problem, SelfevalError
from selfeval.yamlio import load_yaml, yaml_problem

DEFAULTS = {"SELFEVAL_MAX_FILE_MB": 20, "SELFEVAL_MAX_CELLS": 200_000, "SELFEVAL_MAX_PAGES": 60,
            "SELFEVAL_MAX_SHEET_CELLS": 1_000_000, "SELFEVAL_MAX_INDICATORS": 2_000,
            "SELFEVAL_MAX_UNZIPPED_MB": 100, "SELFEVAL_MAX_TABLE_DEPTH": 8, "SELFEVAL_MAX_PAGE_CONTENT_MB": 8,
            "SELFEVAL_MAX_PAGE_RULINGS": 5_000}


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


#: Open files a report needs (the kernel's sockets, the notebook, fonts, the record) and each worker
#: more; measured: 8 reports in 2 workers fail at 64 and pass at 128.
FILES_PER_RUN, FILES_PER_WORKER = 64, 32


def ensure_open_files(workers: int = 1) -> None:
    """Raise this process's open-file limit to what `workers` report kernels need, up to the hard
    limit; below that, refuse at once naming the limit (instead of every project failing later
    as "the kernel died")."""
    import resource

    need = FILES_PER_RUN + FILES_PER_WORKER * max(1, workers)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= need:
        return
    target = need if hard == resource.RLIM_INFINITY else min(need, hard)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        target = soft
    if target < need:
        raise SelfevalError(f"the open-file limit is {soft} (ulimit -n) and cannot be raised past {hard}; "
                            f"{max(1, workers)} report worker(s) need about {need} open files: raise it "
                            f"(ulimit -n {need}) or use fewer --jobs")


def read_input(path: Path, what: str, error: type[SelfevalError]) -> bytes:
    """The bytes of a file selfeval reads (`what`: "params file", "decisions file", …): a regular
    file only, no larger than SELFEVAL_MAX_FILE_MB, read with a bound. A FIFO or a device is
    refused without waiting on it (opened non-blocking, then looked at), a directory named."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise error(f"{path}: {what} not found") from None
    except IsADirectoryError:
        raise error(f"{path}: a directory, expected a {what}") from None
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise error(f"{path}: a directory, expected a {what}")
        raise error(f"{path}: not a regular file (a pipe, a device or a socket), expected a {what}")
    with os.fdopen(fd, "rb") as fh:
        cap = limit("SELFEVAL_MAX_FILE_MB") * 1024 * 1024
        data = fh.read(cap + 1)  # never more, whatever the size said
    if len(data) > cap:
        raise error(f"{path}: larger than {limit('SELFEVAL_MAX_FILE_MB')} MB (SELFEVAL_MAX_FILE_MB), "
                    f"expected a {what}")
    return data


def read_yaml(path: Path, error: type[SelfevalError], what: str) -> Any:
    """Parse a YAML file; a missing file or bad YAML raises `error` naming the file and line."""
    data = read_input(path, what, error)  # regular files only, bounded: a FIFO never hangs a batch
    try:
        return load_yaml(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except yaml.YAMLError as exc:
        where, problem = yaml_problem(exc)
        raise error(f"{path}: {where + ': ' if where else ''}not valid YAML: {problem}") from None


__all__ = ["DEFAULTS", "ensure_open_files", "limit", "read_input", "read_yaml"]
