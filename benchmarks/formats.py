"""Load time per format: the same forms as text export, .xlsx, HTML page, Word document and PDF.

Uses the published-format fixtures (tests/published/, made from the text exports) and a workbook
written from each text export; times `selfeval.loaders.load_form` on each, all formats side by
side in one run. Per file: the best of `--rounds` rounds, each the mean of `--repeat` loads after a
warm-up. The ratio column is against the text export of the same form.

    .venv/bin/python benchmarks/formats.py [--rounds 5] [--repeat 10] [--write benchmarks/RESULTS-formats.md]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from common import emit, machine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

FORMATS = ("text", "xlsx", "html", "docx", "pdf")


def main() -> int:
    from test_published import SOURCES

    from selfeval.loaders import load_form
    from selfeval.views.form_sheet import write_form_workbook

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--write", type=Path)
    args = ap.parse_args()
    load = os.getloadavg()[0]
    published = ROOT / "tests" / "published"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in SOURCES.items():
            files = {"text": text, "xlsx": write_form_workbook(load_form(text), Path(tmp) / f"{name}.xlsx"),
                     **{f: published / f"{name}.{f}" for f in ("html", "docx", "pdf")}}
            best = {}
            for fmt, path in files.items():
                load_form(path)  # warm-up: imports, caches
                times = []
                for _ in range(args.rounds):
                    t = time.perf_counter()
                    for _ in range(args.repeat):
                        load_form(path)
                    times.append((time.perf_counter() - t) / args.repeat)
                best[fmt] = min(times)
            rows.append(f"| {name} | " + " | ".join(f"{best[f] * 1e3:.1f} ({best[f] / best['text']:.1f}×)"
                                                    for f in FORMATS) + " |")
    lines = [
        "# Load time per format",
        "",
        "Measured by `benchmarks/formats.py` (`.venv/bin/python benchmarks/formats.py --write "
        "benchmarks/RESULTS-formats.md`), every format in one run.",
        "",
        f"{machine(load)} Best of {args.rounds} rounds, "
        f"each the mean of {args.repeat} loads after a warm-up. Milliseconds per load (× the text export).",
        "",
        "| form | " + " | ".join(FORMATS) + " |",
        "|---|" + "---:|" * len(FORMATS),
        *rows,
        "",
        "A PDF costs most: pdfplumber lays out every character of every page to find the ruled "
        "tables. Even so a form loads in well under a second, far less than rendering its report.",
        "",
    ]
    return emit(lines, args.write)


if __name__ == "__main__":
    sys.exit(main())
