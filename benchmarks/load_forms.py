"""Form load time, this checkout against an earlier commit, side by side in one run.

The layout registry (detect every layout, fold labels, walk rows, skip placeholders) must not make
loading slower than the two hard-coded parsers it replaced: the target is within 10 % per form.
This script checks out `--base` (default 99ad615, the last commit before the registry) into a
temporary git worktree and times `selfeval.loaders.load_form` on the same files in both trees,
each in its own fresh interpreter, alternating base and current round by round so machine load
falls on both alike. Only files both trees load are compared (the base refuses most published
forms, which is what the registry fixed).

Per file and side: the best of `--rounds` rounds, each the mean of `--repeat` loads after a
warm-up (so caches are warm on both sides, as in a batch).

    .venv/bin/python benchmarks/load_forms.py [--base REV] [--rounds 7] [--write benchmarks/RESULTS-load.md]

RESULTS-load.md measured the registry against 99ad615; RESULTS-load-round2.md measures the
per-cell reading of real forms round 2 against d36ee95, the commit before it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from common import emit, machine

ROOT = Path(__file__).resolve().parent.parent

# Run in a child interpreter with the tree to time first on sys.path.
CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from selfeval.loaders import load_form
files, repeat = json.loads(sys.argv[2]), int(sys.argv[3])
out = {}
for f in files:
    try:
        load_form(f)
    except Exception as exc:  # this tree does not read it: left out of the comparison
        out[f] = None
        continue
    t = time.perf_counter()
    for _ in range(repeat):
        load_form(f)
    out[f] = (time.perf_counter() - t) / repeat
print(json.dumps(out))
"""


def forms() -> list[Path]:
    examples = sorted((ROOT / "selfeval" / "examples").glob("*.txt"))
    corpus = sorted((ROOT / "tests" / "corpus").glob("*.txt"))
    return examples + corpus


def run_side(tree: Path, files: list[Path], repeat: int) -> dict[str, float | None]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, "-c", CHILD, str(tree), json.dumps([str(f) for f in files]),
                           str(repeat)], capture_output=True, text=True, env=env, check=True, cwd=tree)
    return json.loads(done.stdout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="99ad615")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--write", type=Path)
    args = ap.parse_args()
    files = forms()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="selfeval-bench-") as tmp:
        base_tree = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base_tree), args.base],
                       check=True, capture_output=True)
        try:
            best: dict[str, dict[str, float | None]] = {"base": {}, "current": {}}
            for _ in range(args.rounds):
                for side, tree in (("base", base_tree), ("current", ROOT)):
                    for f, t in run_side(tree, files, args.repeat).items():
                        old = best[side].get(f)
                        best[side][f] = t if old is None or (t is not None and t < old) else old
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base_tree)],
                           check=False, capture_output=True)
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip()
    rows, ratios, refused_before = [], [], []
    for f in files:
        key = str(f)
        b, c = best["base"].get(key), best["current"].get(key)
        name = f.relative_to(ROOT)
        if b is None:
            refused_before.append(f"`{name}`" + ("" if c is not None else " (refused by both)"))
            continue
        ratios.append(c / b)
        rows.append(f"| `{name}` | {b * 1e3:.2f} | {c * 1e3:.2f} | {c / b:.2f} |")
    lines = [
        f"# Form load time: this checkout against `{args.base}`",
        "",
        f"Measured by `benchmarks/load_forms.py` (`.venv/bin/python benchmarks/load_forms.py --base {args.base} "
        f"--write {args.write or '-'}`): base `{args.base}` against the working tree at `{head}` (with its "
        "uncommitted changes, if any), in one run, alternating sides each round.",
        "",
        f"{machine(load)} Best of {args.rounds} rounds, "
        f"each the mean of {args.repeat} loads after a warm-up.",
        "",
        "| form | base (ms) | current (ms) | current / base |",
        "|---|---:|---:|---:|",
        *rows,
        "",
        f"Median ratio {sorted(ratios)[len(ratios) // 2]:.2f}, worst {max(ratios):.2f} over {len(ratios)} forms "
        "both trees load.",
        "",
        f"Read now and refused by the base ({len(refused_before)}): " + ", ".join(refused_before) + ".",
        "",
    ]
    return emit(lines, args.write)


if __name__ == "__main__":
    sys.exit(main())
