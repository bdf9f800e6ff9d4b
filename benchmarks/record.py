"""The record across years at scale: writing 2,000 project-years, and reading one project's history.

    .venv/bin/python benchmarks/record.py [--projects 1000] [--years 2]

Reviews `--projects` variations of the seed form for each of `--years` years (2,000 project-years
by default) once, then, side by side in one run, stores them in an SQLite record and (when
SELFEVAL_TEST_POSTGRES names a server) in a PostgreSQL one. Each review is stored in its own
transaction, oldest year first, as a batch does. It reports the seconds to store all of them,
per review, the seconds to store them again (nothing new is added), and the milliseconds to
read one project's years and its previous year. Writes benchmarks/RESULTS-record.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from builders import clean_form, replace_fields  # noqa: E402

from selfeval.assess.checks import review  # noqa: E402
from selfeval.assess.rulesets import load_ruleset  # noqa: E402
from selfeval.form.keys import project_key  # noqa: E402
from selfeval.record.store import Record  # noqa: E402
from selfeval.version import __version__  # noqa: E402


def evaluations(projects: int, years: int):
    """Reviews of `projects` projects over `years` years (the older year of each first)."""
    rs = load_ruleset("suzhou-2023")
    base = clean_form()
    out = []
    for y in range(years):
        for i in range(projects):
            form = replace_fields(base, project_name=f"项目{i:04d}", year=2023 - years + 1 + y)
            out.append(review(form, rs))
    return out


def measure(target: str, evs) -> dict[str, float]:
    with Record(target) as rec:
        start = time.perf_counter()
        for ev in evs:
            rec.add(ev)
        write = time.perf_counter() - start
        start = time.perf_counter()
        for ev in evs[:200]:
            rec.add(ev)
        again = (time.perf_counter() - start) / 200 * len(evs)
        key = project_key(evs[-1].form.project_name, evs[-1].form.department)
        reads, prior = [], []
        for _ in range(50):
            t = time.perf_counter()
            rows = rec.reviews(key)
            reads.append(time.perf_counter() - t)
            t = time.perf_counter()
            rec.previous(key, evs[-1].form.year)
            prior.append(time.perf_counter() - t)
        assert len(rows) == len({ev.form.year for ev in evs})
    return {"write": write, "again": again, "history_ms": statistics.median(reads) * 1000,
            "previous_ms": statistics.median(prior) * 1000}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--projects", type=int, default=1000)
    ap.add_argument("--years", type=int, default=2)
    args = ap.parse_args()
    evs = evaluations(args.projects, args.years)
    n = len(evs)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["SQLite (WAL, synchronous=FULL)"] = measure(str(Path(tmp) / "record.db"), evs)
    pg = os.environ.get("SELFEVAL_TEST_POSTGRES")
    if pg:
        import psycopg

        name = f"selfeval_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(pg, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        base, _, query = pg.partition("?")
        try:
            results["PostgreSQL 15 (local socket)"] = measure(f"{base.rsplit('/', 1)[0]}/{name}?{query}", evs)
        finally:
            with psycopg.connect(pg, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    lines = [
        "# The record across years at scale",
        "",
        f"`python benchmarks/record.py --projects {args.projects} --years {args.years}` on {platform.platform()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, selfeval {__version__}.",
        "",
        f"{n} project-years ({args.projects} projects × {args.years} years, the seed form's 7 indicators each), "
        "each stored in its own transaction.",
        "",
        "| record | store all (s) | per review (ms) | store again, nothing new (s, all) | one project's years (ms) "
        "| its previous year (ms) |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(f"| {name} | {r['write']:.2f} | {r['write'] / n * 1000:.2f} | {r['again']:.2f} | "
                     f"{r['history_ms']:.2f} | {r['previous_ms']:.2f} |")
    if len(results) == 2:
        ra, rb = results.values()
        lines += ["", f"Ratio PostgreSQL / SQLite, storing: **{rb['write'] / ra['write']:.2f}**; "
                      f"reading one project's years: **{rb['history_ms'] / ra['history_ms']:.2f}**."]
    else:
        lines += ["", "PostgreSQL: not measured (SELFEVAL_TEST_POSTGRES was not set)."]
    text = "\n".join(lines) + "\n"
    (ROOT / "benchmarks" / "RESULTS-record.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
