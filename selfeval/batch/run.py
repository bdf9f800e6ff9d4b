"""Scheduled batch runs: every params file in a folder → HTML reports, index and score sheets.

A failing project never stops the others: each runs in a worker that returns an outcome instead
of raising. Unchanged projects (same params, form, decisions, notebook, ruleset and selfeval
version) are skipped using a manifest in the output folder. All outputs are written atomically.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from selfeval.assess.history import PriorYear
from selfeval.batch.job import Outcome, fingerprint, render_one
from selfeval.errors import SelfevalError
from selfeval.files import (
    atomic_write,
    check_writable,
    jsonable,  # noqa: F401  (the batch API)
)
from selfeval.form.values import terminal_safe
from selfeval.limits import ensure_open_files
from selfeval.params import other_kind
from selfeval.record.names import RESERVED as RECORD_FILES
from selfeval.startup import skip_unused_imports

# Everything a batch says goes through logging under "selfeval" (the command line shows it on
# stderr, `--quiet` only the failures, `--verbose` more); a library caller configures its own.
log = logging.getLogger("selfeval.batch.run")

MANIFEST = ".selfeval-manifest.json"


@dataclass
class Summary:
    rendered: int
    skipped: int
    failed: int
    outcomes: list[Outcome]
    portfolio_error: str = ""  # the overview page failed (the project reports are still fine)


def _die_with_parent() -> None:
    """Linux: the kernel kills this process when its parent dies (a `kill -9` of the batch leaves
    no worker behind)."""
    if sys.platform.startswith("linux"):
        import contextlib
        import ctypes
        import signal

        with contextlib.suppress(OSError):  # no libc of that name: the pool's own shutdown still applies
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _warm_worker() -> None:
    import signal

    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle, once

    skip_unused_imports()
    # Import the heavy modules once per worker, not once per project.
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    from selfeval.execution import execute  # noqa: F401


def _in_pool(todo: list[Path], jobs: int, out_dir: Path, done, docx: bool = False,
             previous: dict[str, PriorYear] | None = None) -> list[Path]:
    """Render `todo` in a pool of `jobs` workers; the projects left unfinished when a worker died
    (the pool is broken then) are returned, not lost."""
    from concurrent.futures.process import BrokenProcessPool

    unfinished: list[Path] = []
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(todo)), initializer=_warm_worker)
    try:
        futures = {pool.submit(render_one, str(p), str(out_dir), docx, (previous or {}).get(p.stem)): p for p in todo}
        for fut in as_completed(futures):
            try:
                done(fut.result())
            except BrokenProcessPool:
                unfinished.append(futures[fut])
    except BaseException:  # Ctrl-C / SIGTERM: stop the workers now, not after their projects
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return sorted(unfinished)


def _run_local(todo: list[Path], jobs: int, out_dir: Path, done, docx: bool = False,
               previous: dict[str, PriorYear] | None = None) -> None:
    """Every project rendered once; a worker that dies fails only its project. After a death the
    unfinished projects run again, each in a pool of its own, so the one that kills its worker
    twice is recorded as failed and the others render."""
    previous = previous or {}
    if jobs <= 1 or len(todo) <= 1:
        for p in todo:
            done(render_one(str(p), str(out_dir), docx, previous.get(p.stem)))
        return
    for p in _in_pool(todo, jobs, out_dir, done, docx, previous):
        if _in_pool([p], 1, out_dir, done, docx, previous):
            done(Outcome(name=p.stem, status="failed", reason=f"{p}: the worker process rendering it died twice "
                         "(killed, or out of memory); nothing of it was written"))


# The files a batch writes besides the reports: no params file may be named as one, and no input
# of the params folder may be overwritten by one.
BATCH_OUTPUTS = frozenset({"index.html", "portfolio.html", "scores.csv", "scores.xlsx", *RECORD_FILES})  # the record and SQLite's -wal, -shm


def _refuse_overwriting_inputs(params_dir: Path, out_dir: Path, params_files: list[Path],
                               manifest: dict[str, Any]) -> None:
    """With the output folder inside the params folder, refuse (before anything renders) a run
    whose outputs would overwrite a file the batch did not write itself (a form called
    `index.html`, a form `seed.html` beside `seed.yaml`)."""

    out, params = out_dir.resolve(), params_dir.resolve()
    if out != params and params not in out.parents:
        return
    ours = {f"{name}.html" for name in manifest}
    if (out_dir / STAMP).exists():
        ours |= BATCH_OUTPUTS
    would = BATCH_OUTPUTS | {f"{p.stem}.html" for p in params_files}
    clash = sorted(n for n in would if (out_dir / n).exists() and n not in ours)
    if clash:
        raise SelfevalError(f"{out_dir}: the run would overwrite {', '.join(clash)}, which it did not write "
                            "(the output folder is the params folder or inside it); choose another --out")


_STALE = re.compile(r'<div class="se-stale"[^>]*>.*?</div>\n?', re.S)


def _mark_stale(report: Path, reason: str) -> None:
    """Put a notice at the top of a project's earlier report when this run failed it: the page
    stays (the last good review), but never reads as current."""
    import html

    if not report.is_file():
        return
    try:
        text = _STALE.sub("", report.read_text(encoding="utf-8"))
        at = text.find(">", text.find("<body")) + 1
        if at <= 0:
            return
        notice = (f'<div class="se-stale" role="alert" style="background:#fdecea;border:2px solid #b03a2e;'
                  f'padding:.6em 1em;margin:0 0 1em;font-weight:600">此报告为上次生成，已过时：本次复核失败（'
                  f'{html.escape(reason.splitlines()[0] if reason else "")}）。请修正后重新运行。</div>\n')
        atomic_write(report, text[:at] + notice + text[at:])
    except OSError:
        return  # a full disk: the index still shows the project as failed


def outputs_digest(shown: str) -> str:
    """A digest of what the index, scores and portfolio show (stamped beside them)."""
    return hashlib.sha256(shown.encode("utf-8")).hexdigest()


STAMP = ".selfeval-outputs"  # the digest of what the index, scores and portfolio were built from


def _load_manifest(out_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _progress(total: int):
    if sys.stderr.isatty():
        from tqdm import tqdm

        return tqdm(total=total, unit="项目", file=sys.stderr)
    return None


def _relative(reason: str, params_dir: Path) -> str:
    """A reason with the params folder's absolute path taken out (`/srv/…/params/x.yaml` →
    `x.yaml`), only where a path starts with it; other paths are left as they are."""
    import re

    for base in sorted({str(params_dir.resolve()), str(params_dir.absolute())}, key=len, reverse=True):
        reason = re.sub(r"(?<![\w./-])" + re.escape(base + os.sep), "", reason)
    return reason


def _store(params_files: list[Path], out_dir: Path, db: str | Path | bool,
           aliases: str | Path | None) -> dict[str, PriorYear]:
    """Review and store every project in the record, oldest year first, before any renders; the
    previous year each is compared with, by params name."""
    # deferred: the record's database libraries load only when a batch keeps a record
    from selfeval.form.keys import load_aliases
    from selfeval.record.backfill import add_files
    from selfeval.record.names import DEFAULT_NAME
    from selfeval.record.store import Record

    links = load_aliases(aliases)
    with Record(out_dir / DEFAULT_NAME if db is True else db) as rec:
        return {a.path.stem: a.previous for a in add_files(rec, params_files, links) if a.previous is not None}


def run_batch(params_dir: Path, out_dir: Path, jobs: int = 2, force: bool = False,
              dask_address: str | None = None, portfolio: bool = True, docx: bool = False,
              db: str | Path | bool = True, aliases: str | Path | None = None) -> Summary:
    """Render every `*.yaml` params file in `params_dir` into `out_dir`, plus index and scores
    (with `docx`, each project's 复核意见书 too; a project whose .docx is missing is not skipped).

    Every project is first reviewed and stored in the record across years (`db`: True for
    `out_dir/selfeval.db`, a path or a database URL, False for none), oldest year first, so a
    report sees the year before it even when both are in this run; `aliases` links renamed
    projects."""
    # deferred: loaded only when there is work (an all-skipped rerun loads none of it)
    from selfeval.batch.index import write_index

    params_files = []
    for p in sorted(p for p in params_dir.glob("*.y*ml") if p.suffix in (".yaml", ".yml")):
        # a layout, ruleset, decisions or aliases file kept beside the params files is theirs, not a project
        kind = other_kind(p)
        if kind is None:
            params_files.append(p)
        else:
            log.warning(terminal_safe(f"note: {p.name} is a {kind}, not a params file: passed over"))
    if not params_files:
        raise SelfevalError(f"{params_dir}: no params files (*.yaml) found")
    stems: dict[str, Path] = {}
    for p in params_files:  # a.yaml and a.yml would write one a.html
        if p.stem in stems:
            raise SelfevalError(f"{params_dir}: {stems[p.stem].name} and {p.name} would both render {p.stem}.html; "
                                "rename one")
        stems[p.stem] = p
    check_writable(out_dir)
    if not dask_address:  # kernels run here: enough open files for them, or one line saying so
        ensure_open_files(min(jobs, len(params_files)))
    manifest = _load_manifest(out_dir)
    _refuse_overwriting_inputs(params_dir, out_dir, params_files, manifest)
    outcomes: dict[str, Outcome] = {}
    todo: list[Path] = []
    own = [p for p in params_files if f"{p.stem}.html" not in BATCH_OUTPUTS]
    priors = _store(own, out_dir, db, aliases) if db is not False and own else {}
    for p in params_files:
        if f"{p.stem}.html" in BATCH_OUTPUTS:  # its report would be overwritten by the batch's own page
            outcomes[p.stem] = Outcome(p.stem, "failed", f"{p.name}: the name {p.stem} is the batch's own "
                                       f"{p.stem}.html; rename the params file (reserved: "
                                       f"{', '.join(sorted(Path(n).stem for n in BATCH_OUTPUTS))})")
            continue
        previous = manifest.get(p.stem)
        if not force and previous and previous.get("status") in ("rendered", "skipped"):
            try:
                fp = fingerprint(p, priors[p.stem].ref if p.stem in priors else "")
            except Exception:  # whatever is wrong, the project's own run will say it
                fp = ""
            if fp and fp == previous.get("fingerprint") and (out_dir / f"{p.stem}.html").exists() \
                    and (not docx or (out_dir / f"{p.stem}.docx").exists()):
                outcomes[p.stem] = Outcome(**{**previous, "status": "skipped", "seconds": 0.0})
                continue
        todo.append(p)

    bar = _progress(len(todo))
    started = time.perf_counter()
    if todo and not dask_address:
        # deferred: loaded only when there is work (an all-skipped rerun loads none of it)
        from selfeval.report.fonts import warm_font_cache

        # once, here: a kernel building it would print into the report. A Dask batch draws nothing
        # here: each worker's kernels use the cache of the worker's machine (see ForkServerPlugin)
        warm_font_cache()

    def done(o: Outcome) -> None:
        outcomes[o.name] = o
        if bar is not None:
            bar.update(1)
            bar.set_postfix_str(terminal_safe(o.name))
        else:
            extra = f": {o.reason.splitlines()[0]}" if o.reason else ""
            log.info(terminal_safe(f"{o.status} {o.name} ({o.seconds:.1f} s){extra}"))

    if todo and dask_address:
        try:
            # deferred: loaded only when there is work (an all-skipped rerun loads none of it)
            from selfeval.batch.distributed import run_on_dask
        except ModuleNotFoundError as exc:  # the dask extra is not installed
            raise SelfevalError(f"--dask needs Dask's client ({exc.name} is not installed): "
                                "pip install 'selfeval[dask]'") from None

        for o in run_on_dask(dask_address, todo, out_dir, docx, priors):
            done(o)
    elif todo:
        # deferred: loaded only when there is work (an all-skipped rerun loads none of it)
        from selfeval.execution.kernels import start_fork_server

        # Report kernels forked from one pre-imported process (each still its own process):
        # none pays for Python, ipykernel and matplotlib again. Ordinary kernels where
        # that is not available (not Linux, SELFEVAL_FORK=0) or the server does not come up.
        server = start_fork_server()
        try:
            _run_local(todo, jobs, out_dir, done, docx, priors)
        finally:
            if server is not None:
                server.close()
    if bar is not None:
        bar.close()

    ordered = [outcomes[p.stem] for p in params_files]
    for o in ordered:  # the index is read on other machines: paths relative to the params folder
        o.reason = _relative(o.reason, params_dir)
        if o.status == "failed":  # an earlier report of it stays, marked as not this run's
            _mark_stale(out_dir / f"{o.name}.html", o.reason)
    new_manifest = {o.name: asdict(o) for o in ordered if o.status != "failed"}

    manifest_text = json.dumps(new_manifest, ensure_ascii=False, indent=1)
    # what the index, scores and portfolio show: each project's content (fingerprint) or failure
    digest = outputs_digest(json.dumps([portfolio, *((o.name, o.status == "failed", o.fingerprint, o.reason)
                                                     for o in ordered)], ensure_ascii=False))
    stamp = out_dir / STAMP
    stale = not stamp.is_file() or stamp.read_text(encoding="utf-8").strip() != digest
    # every output is checked: a deleted portfolio.html is rebuilt too
    expected = ["index.html", "scores.csv", "scores.xlsx"]
    if portfolio and sum(o.status != "failed" for o in ordered) >= 2:
        expected.append("portfolio.html")
    changed = (any(o.status != "skipped" for o in ordered) or stale
               or not all((out_dir / f).exists() for f in expected))
    portfolio_error = ""
    unwritten = ""  # a full disk or a folder turned read-only while the batch ran: the first path that failed
    if changed:
        made = None
        try:
            if portfolio and len(ordered) >= 2:
                # deferred: loaded only when there is work (an all-skipped rerun loads none of it)
                from selfeval.batch.portfolio import render_portfolio_from_outcomes

                try:
                    made = render_portfolio_from_outcomes(ordered, out_dir)  # None: too few projects rendered
                except SelfevalError as exc:  # the reports stand; say what is missing and exit non-zero
                    portfolio_error = str(exc)
            # Linked only when this run made it (a stale page from an earlier run is not offered).
            write_index(ordered, out_dir, portfolio=made is not None)
            if not portfolio_error:  # a failed overview is tried again next run, not taken as done
                atomic_write(stamp, digest)
        except OSError as exc:
            unwritten = f"{exc.filename or out_dir}: {exc.strerror or exc}"
            stamp.unlink(missing_ok=True)  # what the index shows is not done: the next run redoes it
    # Last: a run killed before this point leaves the old manifest, so the next run redoes (and
    # re-indexes) rather than trusting outputs it never finished. On a full disk the manifest of
    # what did render is still written where it fits (a failed write frees its space).
    try:
        atomic_write(out_dir / MANIFEST, manifest_text)
    except OSError as exc:
        unwritten = unwritten or f"{exc.filename or out_dir}: {exc.strerror or exc}"
    summary = Summary(
        rendered=sum(o.status == "rendered" for o in ordered),
        skipped=sum(o.status == "skipped" for o in ordered),
        failed=sum(o.status == "failed" for o in ordered),
        outcomes=ordered,
        portfolio_error=portfolio_error,
    )
    log.info(terminal_safe(f"{summary.rendered} rendered, {summary.skipped} skipped, {summary.failed} failed "
                           f"in {time.perf_counter() - started:.1f} s → {out_dir / 'index.html'}"))
    for o in ordered:
        if o.status == "failed":
            log.error(terminal_safe(f"FAILED {o.name}: {o.reason}"))
    if portfolio_error:
        log.error(terminal_safe(f"FAILED portfolio.html: {portfolio_error}"))
    if unwritten:
        raise SelfevalError(f"{unwritten}; the reports already written are kept whole, and the next run "
                            "redoes the rest")
    return summary
