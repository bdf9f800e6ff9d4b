"""What the report notebook's first cells call: its parameters checked (a misspelt one is refused, never the bundled example shown instead), and the context every section renders from, prepared once."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from selfeval.assess.history import PriorYear
from selfeval.errors import ParamsError, SelfevalError
from selfeval.pipeline import evaluate_params
from selfeval.report.context import ReportContext
from selfeval.report.narrative import build_narrative

#: The report notebook's parameters: the params file, and the prepared context `selfeval report`
#: passes so the project is read and reviewed once (None in the Lab and under plain papermill).
PARAMETERS = ("params_file", "prepared")


def example_params_file() -> Path:
    """The bundled example's params file (the seed form), used when the notebook runs bare."""
    return Path(str(resources.files("selfeval").joinpath("examples/seed.params.yaml")))


def _params_path(params_file: str | Path | None) -> Path:
    """The params file a notebook names: relative to the working directory, as every path typed in
    a notebook is (the Lab starts kernels in the notebook's folder; papermill where it is run)."""
    if params_file is None:
        return example_params_file()
    if not isinstance(params_file, str | os.PathLike):
        raise ParamsError(f"params_file: expected the path of a params YAML file, got {type(params_file).__name__} "
                          f"{params_file!r}")
    path = Path(params_file).expanduser()
    if not path.is_absolute():
        path = Path.cwd() / path
    if not path.is_file():
        raise ParamsError(f"params_file {str(params_file)!r}: no such file (looked for {path}; a relative path "
                          f"is relative to the working directory {Path.cwd()})")
    return path.resolve()


def prepare(params_file: str | Path | None = None, previous: PriorYear | None = None) -> ReportContext:
    """Load, score and review the project a params file names (the bundled seed by default);
    `previous` is its previous year from the record, which the report compares with."""

    path = _params_path(params_file)
    rp, ev = evaluate_params(path, previous)
    return ReportContext(
        evaluation=ev,
        narrative=build_narrative(ev, rp.narrative),
        name=rp.name,
        reviewer=rp.reviewer,
        review_date=rp.review_date.isoformat() if rp.review_date else None,
        analyst_notes=rp.analyst_notes,
        params_path=str(path),
        document_number=rp.document_number,
        checker=rp.checker,
        approver=rp.approver,
        rectify_by=rp.rectify_by.isoformat() if rp.rectify_by else None,
    )


def rehearse() -> None:
    """Make the bundled example's report sections once and throw them away. A batch's fork server
    calls this before forking report kernels, so every kernel starts with what a first report pays
    for already done (modules imported on first use, templates compiled). The charts are left out:
    a kernel draws its first chart no faster after a rehearsal (matplotlib reopens its fonts in
    every forked process), and drawing them would cost each fork server 0.4 s. It writes nothing
    and displays nothing."""
    # deferred: the sections load where a report is drawn, not where one is prepared
    from selfeval.report import sections
    from selfeval.report.fonts import configure_matplotlib

    configure_matplotlib()
    try:
        ctx = prepare()
    except SelfevalError:
        # the batch's own rulesets (SELFEVAL_RULESETS) may not review the bundled example (two of
        # them apply to it, say): this is only a warm-up, so the kernels start without it
        return
    for name in sections.__all__:
        if name.endswith("_html"):
            getattr(sections, name)(ctx)


def save_prepared(ctx: ReportContext, path: Path) -> None:
    """Store a prepared context for the report kernel (`prepared` parameter)."""
    import pickle

    path.write_bytes(pickle.dumps(ctx, protocol=pickle.HIGHEST_PROTOCOL))


#: The first line of the cell papermill injects (its Python translator's comment).
INJECTED_HEADER = "# Parameters"


def injected_names(sources: list[str]) -> list[str]:
    """The names papermill's injected-parameters cells among `sources` (executed cell sources)
    assign; a cell the user ran is never one (only papermill writes that header alone)."""
    import ast

    names: list[str] = []
    for src in sources:
        if not isinstance(src, str) or src.split("\n", 1)[0].strip() != INJECTED_HEADER:
            continue
        try:
            tree = ast.parse(src)
        except SyntaxError:
            continue
        names += [t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
                  if isinstance(t, ast.Name)]
    return names


def check_parameters(namespace: dict, parameters: tuple[str, ...] = PARAMETERS) -> None:
    """Refuse names papermill injected that the notebook does not take: `-f params.yaml` (papermill
    reads that file itself, as YAML 1.1, and injects its keys as values) or a misspelt `-p`.
    `namespace` is the notebook's globals (its `In` holds the executed cells, papermill's injected
    one among them); `parameters` the names its parameters cell defines. Variables of the
    analyst's own (a re-run in JupyterLab) are not parameters and are left alone."""
    import difflib

    unknown = sorted({k for k in injected_names(list(namespace.get("In") or [])) if k not in parameters})
    if not unknown:
        return
    close = {k: difflib.get_close_matches(k, parameters, n=1, cutoff=0.6) for k in unknown}
    hints = [f"{k} (did you mean {m[0]}?)" for k, m in close.items() if m]
    if hints or parameters != PARAMETERS:
        raise ParamsError(f"notebook: unknown parameter {', '.join(hints or unknown)}; it takes "
                          f"{', '.join(parameters)}")
    raise ParamsError(
        f"report notebook: unknown parameters {', '.join(unknown)}: it takes one parameter, params_file, the "
        "path of a params file. papermill -f passes a params file's keys as values (read as YAML 1.1, paths "
        "relative to nothing), so it is refused: run  papermill project_report.ipynb out.ipynb -p params_file "
        "params/x.yaml")


def start(namespace: dict) -> ReportContext:
    """The report notebook's first step: check its parameters (in `namespace`, the notebook's
    globals) and return the project's context: the prepared one `selfeval report` passed, or the
    project `params_file` names, read and reviewed here."""
    import pickle

    check_parameters(namespace)
    params_file, prepared = namespace.get("params_file"), namespace.get("prepared")
    if prepared is None:
        return prepare(params_file)
    where = Path(str(prepared))
    if not where.is_file() or not where.name.endswith(".pickle"):
        raise ParamsError(f"prepared {prepared!r}: an internal parameter `selfeval report` sets (the project it has "
                          "already read); pass only params_file: papermill project_report.ipynb out.ipynb "
                          "-p params_file params/x.yaml")
    ctx = pickle.loads(where.read_bytes())
    if not isinstance(ctx, ReportContext) or ctx.params_path != str(_params_path(params_file)):
        raise ParamsError(f"prepared {prepared!r}: not the context of params_file {params_file!r}")
    return ctx
