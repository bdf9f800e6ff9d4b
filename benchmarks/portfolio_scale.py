"""Portfolio scale benchmark: load and review 2,000 generated forms, render the portfolio page.

    .venv/bin/python benchmarks/portfolio_scale.py [--forms 2000]

Forms vary the seed's values (selfeval.synth.vary) and its layout: UTF-8, GB18030 and UTF-16
text exports and canonical YAML. Times `portfolio.collect` with 1 and 2 processes, renders the
page through the notebook, and opens it in headless Chromium (if installed) to time loading.
Writes benchmarks/RESULTS-portfolio.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def generate(folder: Path, n: int) -> dict[str, int]:
    from selfeval.layouts.suzhou import dump_suzhou_text
    from selfeval.loaders import dump_yaml, load_form
    from selfeval.synth import vary

    seed = load_form(ROOT / "selfeval" / "examples" / "seed.txt")
    kinds = {"utf-8": 0, "gb18030": 0, "utf-16": 0, "yaml": 0}
    for i in range(n):
        form = vary(seed, random.Random(i), i)
        kind = list(kinds)[i % 4]
        kinds[kind] += 1
        if kind == "yaml":
            (folder / f"f{i:04d}.yaml").write_text(dump_yaml(form), encoding="utf-8")
        else:
            (folder / f"f{i:04d}.txt").write_bytes(dump_suzhou_text(form).encode(kind))
    return kinds


def chromium_load_seconds(page: Path) -> float | None:
    exe = shutil.which("chromium")
    if not exe:
        return None
    with tempfile.TemporaryDirectory() as profile:
        start = time.perf_counter()
        subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}",
                        "--dump-dom", page.as_uri()], check=True, capture_output=True, timeout=300)
        return time.perf_counter() - start


def main() -> None:
    from selfeval.batch import portfolio as pf

    ap = argparse.ArgumentParser()
    ap.add_argument("--forms", type=int, default=2000)
    n = ap.parse_args().forms
    tmp = Path(tempfile.mkdtemp(prefix="selfeval-scale-"))
    forms = tmp / "forms"
    forms.mkdir()
    t = time.perf_counter()
    kinds = generate(forms, n)
    gen = time.perf_counter() - t

    t = time.perf_counter()
    records1, errors1 = pf.collect(forms, jobs=1)
    one = time.perf_counter() - t
    t = time.perf_counter()
    records2, _ = pf.collect(forms, jobs=2)
    two = time.perf_counter() - t
    assert len(records1) == len(records2) == n, (len(records1), errors1[:3])

    page = tmp / "out" / "portfolio.html"
    t = time.perf_counter()
    pf.render_portfolio(forms, page)
    render = time.perf_counter() - t
    size = page.stat().st_size
    load = chromium_load_seconds(page)
    blank = tmp / "blank.html"
    blank.write_text("<html><body>x</body></html>", encoding="utf-8")
    load_blank = chromium_load_seconds(blank)

    lines = [
        "# Portfolio scale benchmark",
        "",
        f"Measured by `benchmarks/portfolio_scale.py` on {time.strftime('%Y-%m-%d')}: {n} generated forms "
        f"({', '.join(f'{v} {k}' for k, v in kinds.items())}), {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.machine()}; generation took {gen:.1f} s (not counted).",
        "",
        "| step | seconds |",
        "|---|---:|",
        f"| load + review {n} forms, 1 process | {one:.1f} |",
        f"| load + review {n} forms, 2 processes (`collect(jobs=2)`) | {two:.1f} |",
        f"| `selfeval portfolio` (collect with 2 processes + notebook + HTML) | {render:.1f} |",
        f"| open the page in headless Chromium (`--dump-dom`) | {'—' if load is None else f'{load:.1f}'} |",
        f"| open a blank page the same way (browser start-up) | {'—' if load_blank is None else f'{load_blank:.1f}'} |",
        "",
        f"- per form: {one / n * 1000:.1f} ms in one process; aim: {n} forms within 60 s → "
        f"**{'met' if two < 60 else 'NOT met'}** ({two:.1f} s with 2 processes)",
        f"- portfolio page size: **{size / 1024:.0f} KiB** for {n} projects (charts embedded as PNG; the full "
        "project table sits in a collapsed `<details>`)",
        "",
    ]
    (ROOT / "benchmarks" / "RESULTS-portfolio.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
