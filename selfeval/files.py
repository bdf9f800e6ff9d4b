"""Writing files whole: an output is complete or absent, never half-written; and the JSON-able
form of exact numbers, for records stored on disk or sent between processes."""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from selfeval.errors import SelfevalError

#: The time written into every Office file selfeval makes (so identical content gives identical bytes).
FIXED_TIME = datetime(2000, 1, 1)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
CORE_TIMES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write via a temporary file in the same folder and rename, so the file is whole or absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # the temporary name is short whatever the target's: a name near the file system's 255-byte
    # limit must not fail for the bytes a temporary name would add
    fd, tmp = tempfile.mkstemp(prefix=".selfeval-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; reports are for everyone to read
        os.replace(tmp, path)
    except OSError as exc:  # a full disk or a read-only folder: named by the file meant, not the temporary one
        Path(tmp).unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_writable(folder: Path) -> None:
    """Refuse a folder that cannot be written (read-only, not a folder, no room for a file)
    before any work is done for it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".selfeval-probe-"):
            pass
    except OSError as exc:
        raise SelfevalError(f"{folder}: the output folder cannot be written ({exc.strerror or exc})") from None


#: The longest file name (in bytes) the usual Linux, macOS and Windows file systems take.
NAME_MAX = 255


def fit_name(stem: str, suffix: str) -> str:
    """`stem + suffix`, or, where that passes NAME_MAX bytes (a params file named near the limit
    gets a longer suffix, .ipynb), the stem cut short on a character boundary with a hash of the
    whole stem, so two long names never meet."""
    name = stem + suffix
    if len(name.encode("utf-8")) <= NAME_MAX:
        return name
    import hashlib

    tag = "-" + hashlib.sha256(stem.encode("utf-8")).hexdigest()[:10]
    room = NAME_MAX - len((tag + suffix).encode("utf-8"))
    cut = stem.encode("utf-8")[:room].decode("utf-8", errors="ignore")
    return cut + tag + suffix


def write_document(path: str | Path, data: bytes, suffix: str, what: str) -> Path:
    """Write a document a person opens (`what`: a workbook, the 复核意见书) to `path`, whole or not
    at all; a wrong suffix or a failed write is a `SelfevalError` that names the file."""
    p = Path(path)
    if p.suffix.lower() != suffix:
        raise SelfevalError(f"{p}: {what} is written as {suffix}; name the output file *{suffix}")
    try:
        atomic_write(p, data)
    except OSError as exc:
        raise SelfevalError(f"{p}: cannot write {what}: {exc.strerror or exc}") from None
    return p


def jsonable(value: Any) -> Any:
    """Decimals → numbers (exact up to 15 digits) so outcomes can be stored and sent between processes."""
    if isinstance(value, Decimal):
        return float(value) if len(value.as_tuple().digits) <= 15 else str(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def fixed_zip_times(data: bytes) -> bytes:
    """An Office file (.xlsx, .docx: a zip) whose bytes depend only on its content: every member's
    time and the document's created/modified times fixed."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = CORE_TIMES.sub(lambda m: m.group(1) + stamp + m.group(3), body)
            member = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = info.external_attr
            dst.writestr(member, body)
    return out.getvalue()
