"""The tab-separated text export (the seed's format): bytes → text → grid.

Encodings seen in practice: UTF-8 with or without BOM, GB18030/GBK (Chinese Windows), and UTF-16
with BOM (Excel's "Unicode 文本"). Line ends may be CRLF.
"""

from __future__ import annotations

import codecs
import re

from selfeval.errors import FormError, Problem
from selfeval.layouts.reader import Grid

# C0 controls but tab and the line breaks, DEL, and the C1 controls (U+009B, U+009D are a one-byte
# CSI and OSC to a terminal): no department's text export holds them; they mean binary data
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def decode(data: bytes, source: str) -> tuple[str, str]:
    """Decode a text export, detecting its encoding; refuse empty or binary files."""

    def refuse(seen: str, expected: str = "a tab-separated 自评表 text export") -> FormError:
        return FormError([Problem(source, "", "file", seen, expected)])

    if not data.strip():
        raise refuse("an empty file")
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    elif b"\x00" in data:
        raise refuse("binary data (NUL bytes)")
    else:
        candidates = ["utf-8", "gb18030"]
    for enc in candidates:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _CONTROL.search(text):
            raise refuse("binary data (control characters)")
        return text, enc
    raise refuse("bytes that are neither UTF-8, UTF-16 nor GB18030")


def text_to_grid(text: str, source: str) -> Grid:
    """Split text into rows of tab-separated cells, numbering rows as the file's lines."""
    lines = re.split(r"\r\n|\r|\n", text)
    return Grid(
        rows=[line.split("\t") for line in lines],
        numbers=list(range(1, len(lines) + 1)),
        source=source,
        unit="line",
    )
