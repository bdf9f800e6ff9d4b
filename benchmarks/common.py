"""What every benchmark script here prints the same way: the machine line and the results file."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def machine(load: float) -> str:
    """The machine a run was made on, with the load average when it started."""
    return (f"Machine: nproc {os.cpu_count()}, Python {platform.python_version()} ({platform.system()} "
            f"{platform.release()}); load average {load:.2f} when the run started.")


def emit(lines: list[str], write: Path | None) -> int:
    """Print the results and, with `--write`, keep them in the repository beside the script."""
    text = "\n".join(lines)
    print(text)
    if write:
        write.write_text(text, encoding="utf-8")
    return 0


def write_results(out: Path, text: str, heading: str = "## Reading") -> None:
    """Write a results file from a run, keeping its hand-written part (from `heading` on) as it
    stands in the file."""
    kept = out.read_text(encoding="utf-8").split(f"\n{heading}", 1) if out.exists() else [""]
    out.write_text(text + (f"\n{heading}{kept[1]}" if len(kept) > 1 else ""), encoding="utf-8")
