"""Rendering projects on a Dask distributed cluster (`selfeval run --dask ADDRESS`).

Workers need selfeval installed but no shared filesystem: each task carries the params, form and
decisions bytes and returns the HTML (and, on failure, the executed notebook) as bytes; this
process writes them into the output folder.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from distributed import Client, WorkerPlugin, as_completed

from selfeval.assess.history import PriorYear
from selfeval.batch.job import Outcome, fingerprint, render_one
from selfeval.errors import SelfevalError
from selfeval.files import atomic_write, fit_name
from selfeval.yamlio import load_yaml


@dataclass(frozen=True)
class Payload:
    """Everything a worker needs to render one project: the params file and the files it names,
    each under its own name (so the report names `seed.txt`, as a local run does)."""

    name: str
    params: bytes
    files: dict[str, bytes]  # path relative to the task folder → bytes
    fingerprint: str
    previous: PriorYear | None = None  # the previous year from the record (read here, not there)


def make_payload(params_file: Path, previous: PriorYear | None = None) -> Payload:
    """Read a project's files into a self-contained payload (paths rewritten to local names)."""
    # deferred: Dask's workers unpickle this module's functions before any project arrives
    from selfeval.params import load_params

    rp = load_params(params_file)
    data = load_yaml(params_file.read_text(encoding="utf-8"))
    files: dict[str, bytes] = {}

    def carry(kind: str, path: Path) -> str:
        local = f"{kind}/{path.name}"  # one folder per kind: a form and a decisions file may share a name
        files[local] = path.read_bytes()
        return local

    data["form"] = carry("form", rp.form_path)
    if rp.decisions_path is not None:
        data["decisions"] = carry("decisions", rp.decisions_path)
    if rp.layout and Path(rp.layout).is_absolute():
        data["layout"] = carry("layout", Path(rp.layout))
    if rp.ruleset and Path(rp.ruleset).is_absolute():
        data["ruleset"] = carry("ruleset", Path(rp.ruleset))
    params = yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")
    return Payload(params_file.stem, params, files, fingerprint(params_file, previous.ref if previous else ""),
                   previous)


def render_payload(payload: Payload, docx: bool = False) -> tuple[Outcome, bytes | None, bytes | None, bytes | None]:
    """Run on a worker: lay the files out in a temp folder, render, return the outcome and the
    bytes of the report, the failed notebook and the 复核意见书 (each None where not written)."""
    with tempfile.TemporaryDirectory(prefix="selfeval-task-") as tmp:
        root = Path(tmp)
        for local, data in payload.files.items():
            target = root / local
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        params = root / f"{payload.name}.yaml"
        params.write_bytes(payload.params)
        out = root / "out"
        outcome = render_one(str(params), str(out), docx, payload.previous)
        outcome.fingerprint = payload.fingerprint if outcome.status != "failed" else ""
        outcome.reason = outcome.reason.replace(str(root) + "/", "")  # the task folder is the worker's
        html = out / f"{payload.name}.html"
        failed_nb = out / "_failed" / fit_name(payload.name, ".ipynb")
        opinion = out / f"{payload.name}.docx"
        return (outcome, html.read_bytes() if html.exists() else None,
                failed_nb.read_bytes() if failed_nb.exists() else None, opinion.read_bytes() if opinion.exists() else None)


class ForkServerPlugin(WorkerPlugin):
    """Each Dask worker renders with forked kernels, as a local batch does: its own fork server
    (preloaded once, when the worker joins) serves the kernels of the reports it renders; the
    server goes with the worker (closed at teardown, and killed by the kernel should the worker
    die). Where forked kernels are not available the worker uses ordinary ones.

    Idempotent: a batch registers it again on a cluster that already has it, and the workers keep
    the fork servers they have (registering anew would close and restart every one of them)."""

    name = "selfeval-fork-server"
    idempotent = True

    def setup(self, worker) -> None:
        # deferred: the kernels' machinery loads on a worker, not where the batch is planned
        from selfeval.execution.kernels import start_fork_server
        from selfeval.startup import skip_unused_imports

        # as in a local batch's workers: the worker's first report imports nbformat, and with it
        # jsonschema's `iri` checker, 1.0 s of a fresh Dask worker's 1.7 s of imports (measured)
        skip_unused_imports()
        self.server = start_fork_server()  # its preload builds matplotlib's font cache where missing
        if self.server is None:  # ordinary kernels: a kernel building the cache would print into its report
            # deferred: matplotlib loads on a worker only where its kernels are not forked
            from selfeval.report.fonts import warm_font_cache

            warm_font_cache()

    def teardown(self, worker) -> None:
        server = getattr(self, "server", None)
        if server is not None:
            server.close()


def run_on_dask(address: str, params_files: list[Path], out_dir: Path, docx: bool = False,
                previous: dict[str, PriorYear] | None = None) -> Iterator[Outcome]:
    """Send each project to the cluster at `address` (with its previous year from the record,
    `previous` by params name); yield outcomes as they complete."""
    payloads, outcomes = [], []
    for p in params_files:
        try:
            payloads.append(make_payload(p, (previous or {}).get(p.stem)))
        except SelfevalError as exc:  # invalid here means invalid there: fail it without a trip
            outcomes.append(Outcome(name=p.stem, status="failed", reason=str(exc)))
    yield from outcomes
    with Client(address) as client:
        client.register_plugin(ForkServerPlugin())  # every worker, those that join later too
        futures = client.map(render_payload, payloads, docx=docx, pure=False)
        names = {fut.key: p.name for fut, p in zip(futures, payloads, strict=True)}
        for fut in as_completed(futures):
            try:
                outcome, html, notebook, opinion = fut.result()
            except Exception as exc:  # a killed worker (KilledWorker) fails its project, not the batch
                yield Outcome(name=names[fut.key], status="failed",
                              reason=f"{names[fut.key]}.yaml: the Dask task failed ({type(exc).__name__}: {exc})")
                continue
            if html is not None:
                atomic_write(out_dir / f"{outcome.name}.html", html)
            if opinion is not None:
                atomic_write(out_dir / f"{outcome.name}.docx", opinion)
            if notebook is not None:
                atomic_write(out_dir / "_failed" / fit_name(outcome.name, ".ipynb"), notebook)
            yield outcome
