"""The batch against another checkout of selfeval, side by side in one run.

    .venv/bin/python benchmarks/batch_against.py OTHER_SELFEVAL [--projects 20] [--rounds 3]

OTHER_SELFEVAL is the `selfeval` command of another install (e.g. a worktree of an earlier commit
with its own venv). On the same generated params files (variations of the seed form), each round
runs `selfeval run --jobs 2 --no-portfolio` with this checkout's command and with the other one,
alternating which goes first, into fresh output folders; it reports the median seconds per
project of each and their ratio, and checks that both wrote byte-identical reports. Writes
benchmarks/RESULTS-batch-against.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch import make_projects

ROOT = Path(__file__).resolve().parent.parent
OURS = Path(sys.executable).parent / "selfeval"


def run(cmd: Path, params: Path, out: Path) -> float:
    env = {k: v for k, v in os.environ.items() if k not in ("SELFEVAL_FORK", "SELFEVAL_NOTEBOOKS")}
    start = time.perf_counter()
    subprocess.run([str(cmd), "run", str(params), "--out", str(out), "--jobs", "2", "--no-portfolio"], env=env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def version(cmd: Path) -> str:
    return subprocess.run([str(cmd), "--version"], capture_output=True, text=True, check=True).stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("other", type=Path, help="the selfeval command of the other install")
    ap.add_argument("--projects", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--label", default="", help="how the results name the other install (e.g. its commit)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="selfeval-against-"))
    params = tmp / "params"
    make_projects(params, args.projects)
    times: dict[str, list[float]] = {"this checkout": [], "other": []}
    for r in range(args.rounds):
        order = [("this checkout", OURS), ("other", args.other)]
        for name, cmd in order if r % 2 == 0 else reversed(order):
            times[name].append(run(cmd, params, tmp / f"{name.replace(' ', '-')}-{r}"))
    ours = sorted((tmp / "this-checkout-0").glob("p[0-9]*.html"))
    same = sum(p.read_bytes() == (tmp / "other-0" / p.name).read_bytes() for p in ours)
    per = {k: statistics.median(v) / args.projects for k, v in times.items()}
    lines = [
        "# The batch against another install, side by side",
        "",
        f"`python benchmarks/batch_against.py {args.other} --projects {args.projects} --rounds {args.rounds}` on "
        f"{platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}.",
        "",
        f"Other install: {args.label or args.other} ({version(args.other)}); this checkout: {version(OURS)}.",
        "",
        "| run | median wall time (s) | per project (s) | every round (s) |",
        "|---|---|---|---|",
        *(f"| {k} | {statistics.median(v):.2f} | {per[k]:.3f} | {', '.join(f'{x:.2f}' for x in v)} |"
          for k, v in times.items()),
        "",
        f"Ratio this checkout / other (per project, medians): **{per['this checkout'] / per['other']:.2f}**.",
        "",
        f"Byte-identical reports: {same} of {len(ours)}.",
        "",
    ]
    out = ROOT / "benchmarks" / "RESULTS-batch-against.md"
    out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
