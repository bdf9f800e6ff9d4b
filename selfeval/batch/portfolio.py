"""The portfolio view: many projects at once, for the finance bureau's overview.

Records are plain JSON-able dicts (one per project), so a batch run can hand them to the
portfolio notebook without reloading thousands of forms. Aggregates are pure functions of records.
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from selfeval.assess.findings import SEVERITY_WORDS
from selfeval.batch.index import report_href
from selfeval.errors import SelfevalError
from selfeval.files import atomic_write, jsonable
from selfeval.form.values import round_half_up, show_number, show_rate
from selfeval.views.document import finding_dict
from selfeval.views.row import ProjectRow

FULL_MARKS_CLAIM = 95.0  # self share (%) from which a project "claims (nearly) full marks"
LOW_EXECUTION = 80.0  # execution rate (%) below which spending counts as low


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


def record(ev, name: str) -> dict[str, Any]:
    """One project's portfolio record from its evaluation."""
    return _record(name, ProjectRow.of(ev), jsonable([finding_dict(f) for f in ev.findings]))


def _record(name: str, r: ProjectRow, findings: list[dict[str, Any]]) -> dict[str, Any]:
    full = float(r.full_marks) or 1.0
    self_share = None if r.self_total is None else round(float(r.self_total) / full * 100, 4)
    review_share = round(float(r.review_total) / full * 100, 4)
    return {
        "name": name, "project_name": r.project_name, "department": r.department or "（未填写）",
        "year": r.year, "ruleset": r.ruleset, "full_marks": float(r.full_marks),
        "self_total": _f(r.self_total), "review_total": float(r.review_total),
        "self_share": self_share, "review_share": review_share,
        # share points the review takes off the claim; None where the form claims no scores
        "gap": None if self_share is None else round(self_share - review_share, 4),
        "rating": r.rating, "provisional": r.provisional,
        # an unsettled result is ranked apart, with its range and the reason (never as the best)
        "settled": r.rating_settled, "rating_text": r.rating_text, "unsettled": r.unsettled,
        "review_low": _f(r.review_low), "review_high": _f(r.review_high),
        "execution_rate": _f(r.execution_rate), "funding_rate": _f(r.funding_rate),
        "budget": _f(r.budget), "paid": _f(r.paid),
        "findings": [[f["code"], f["severity"], f["title"]] for f in findings if not f.get("dismissed")],
        # the previous year the record holds (None without one)
        "previous_year": r.previous_year, "previous_share": _f(r.previous_share),
        "previous_rating": r.previous_rating, "share_change": _f(r.share_change),
    }


def records_from_outcomes(outcomes: Iterable) -> list[dict[str, Any]]:
    """Records from a batch run's outcomes (no form is loaded again)."""
    return [_record(o.name, ProjectRow.from_json(o.row), o.findings) for o in outcomes
            if o.status != "failed" and o.row]


def _load_one(path_str: str) -> dict[str, Any] | str:
    """Load and review one form or params file; an error comes back as its message."""
    # deferred: the portfolio notebook's kernel imports this module; rendering and reading forms are not its job
    from selfeval.api import review_file

    path = Path(path_str)
    try:
        return record(review_file(path), path.stem)
    except SelfevalError as exc:
        return f"{path.name}: {exc}"


def collect(source: str | Path, jobs: int = 1) -> tuple[list[dict[str, Any]], list[str]]:
    """Records for every form or params file in a folder, and the errors of those that failed."""
    # deferred: the portfolio notebook's kernel imports this module; rendering and reading forms are not its job
    from selfeval.api import form_files

    paths = form_files(source)
    if jobs > 1 and len(paths) > 50:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(_load_one, map(str, paths), chunksize=25))
    else:
        results = [_load_one(str(p)) for p in paths]
    records = [r for r in results if isinstance(r, dict)]
    errors = [r for r in results if isinstance(r, str)]
    return records, errors


def select(records: list[dict[str, Any]], year: int | None = None,
           department: str | None = None) -> list[dict[str, Any]]:
    """Records of one year and/or one department."""
    return [r for r in records if (year is None or r["year"] == year)
            and (department is None or r["department"] == department)]


# --- aggregates --------------------------------------------------------------------------------


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def department_table(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per department: projects, money, execution rate by money, mean shares and gap, findings."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        groups[r["department"]].append(r)
    rows = []
    for dept, rs in groups.items():
        budget = sum(r["budget"] or 0 for r in rs)
        paid = sum(r["paid"] or 0 for r in rs)
        sev = Counter(s for r in rs for _, s, _ in r["findings"])
        rows.append({
            "department": dept,
            "projects": len(rs),
            "budget": round(budget, 6),
            "paid": round(paid, 6),
            "execution_rate": round(paid / budget * 100, 4) if budget else None,
            "self_share": _round(_mean([r["self_share"] for r in rs])),
            "review_share": _round(_mean([r["review_share"] for r in rs])),
            "gap": _round(_mean([r["gap"] for r in rs])),
            "errors": sev["error"],
            "warnings": sev["warning"],
        })
    return sorted(rows, key=lambda row: (row["gap"] is None, -(row["gap"] or 0), row["department"]))


def findings_by_code(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """How many projects raise each finding code (most common first)."""
    count: Counter[str] = Counter()
    meta: dict[str, tuple[str, str]] = {}
    for r in records:
        for code, severity, title in {tuple(f) for f in r["findings"]}:
            count[code] += 1
            meta[code] = (severity, title)
    return [{"code": c, "severity": meta[c][0], "title": meta[c][1], "projects": n,
             "share": round(n / len(records) * 100, 2)}
            for c, n in sorted(count.items(), key=lambda kv: (-kv[1], kv[0]))]


def findings_by_department(records: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Department → finding code → number of projects raising it."""
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for r in records:
        for code in {f[0] for f in r["findings"]}:
            table[r["department"]][code] += 1
    return {d: dict(c) for d, c in sorted(table.items())}


def gap_ranking(records: list[dict[str, Any]], limit: int | None = None) -> list[dict[str, Any]]:
    """Projects by self − review gap in share points, largest first; unsettled results after the
    settled ones (their gap is not yet known), then those that claim no score."""
    ranked = sorted(records, key=lambda r: (not r.get("settled", True), r["gap"] is None, -(r["gap"] or 0), r["name"]))
    return ranked[:limit] if limit else ranked


def full_marks_on_low_spending(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Projects that claim (nearly) full marks while spending little of their budget."""
    return [r for r in records if r["self_share"] is not None and r["self_share"] >= FULL_MARKS_CLAIM
            and r["execution_rate"] is not None and r["execution_rate"] < LOW_EXECUTION]


def summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Headline numbers for the page."""
    n = len(records)
    claimed = [r for r in records if r["self_share"] is not None]
    return {
        "projects": n,
        "departments": len({r["department"] for r in records}),
        # Self and review shares are averaged over the same projects (those that claim a score),
        # so their difference is the average gap; the review average over all is given as well.
        "claimed": len(claimed),
        "self_share": _mean([r["self_share"] for r in claimed]),
        "review_share": _mean([r["review_share"] for r in claimed]),
        "review_share_all": _mean([r["review_share"] for r in records]),
        "provisional": sum(r["provisional"] for r in records),
        "with_errors": sum(any(s == "error" for _, s, _ in r["findings"]) for r in records),
        "low_spending_full_marks": len(full_marks_on_low_spending(records)),
        "budget": round(sum(r["budget"] or 0 for r in records), 6),
        "paid": round(sum(r["paid"] or 0 for r in records), 6),
    }


# --- rendering ---------------------------------------------------------------------------------

PORTFOLIO_NOTEBOOK = "portfolio.ipynb"


def write_records(records: list[dict[str, Any]], path: Path) -> None:
    atomic_write(path, json.dumps(records, ensure_ascii=False))


def load_records(path: str | Path) -> list[dict[str, Any]]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _render(parameters: dict[str, Any], out_file: Path, title: str) -> Path:
    import tempfile

    # deferred: the portfolio notebook's kernel imports this module; rendering and reading forms are not its job
    from selfeval.execution.execute import execute_notebook
    from selfeval.report.render import notebook_html, notebooks_dir

    nb_dir = notebooks_dir()
    with tempfile.TemporaryDirectory(prefix="selfeval-portfolio-") as tmp:
        nb = execute_notebook(nb_dir / PORTFOLIO_NOTEBOOK, Path(tmp) / "portfolio.ipynb", parameters,
                              cwd=nb_dir)
    atomic_write(out_file, notebook_html(nb, title, str(out_file)))
    return out_file


def render_portfolio(source: Path, out_file: Path, year: int | None = None,
                     department: str | None = None) -> Path:
    """`selfeval portfolio DIR --out FILE`: load every form/params file in DIR, render the page."""
    records, errors = collect(source, jobs=os.cpu_count() or 1)
    if not records:
        raise SelfevalError(f"{source}: no form could be loaded" + (f" ({errors[0]})" if errors else ""))
    out_file.parent.mkdir(parents=True, exist_ok=True)
    data = out_file.parent / f".{out_file.stem}-records.json"
    write_records(records, data)
    try:
        return _render({"records_file": str(data.resolve()), "year": year, "department": department,
                        "reports_dir": str(out_file.parent.resolve()), "load_errors": errors},
                       out_file, "项目绩效自评复核总体情况")
    finally:
        data.unlink(missing_ok=True)


def render_portfolio_from_outcomes(outcomes: list, out_dir: Path) -> Path | None:
    """Called by `selfeval run`: the portfolio of the run's projects, next to index.html."""
    records = records_from_outcomes(outcomes)
    if len(records) < 2:
        return None
    data = out_dir / ".portfolio-records.json"
    write_records(records, data)
    return _render({"records_file": str(data.resolve()), "reports_dir": str(out_dir.resolve())},
                   out_dir / "portfolio.html", "项目绩效自评复核总体情况")


# --- what the portfolio notebook shows ---------------------------------------------------------


#: The portfolio notebook's parameters (any other injected name is refused).
PARAMETERS = ("source", "records_file", "year", "department", "reports_dir", "load_errors")


def prepare(source: str | None = None, records_file: str | None = None, year: int | None = None,
            department: str | None = None, reports_dir: str | None = None,
            load_errors: list[str] | None = None) -> dict[str, Any]:
    """The portfolio page's data: records (filtered), links to existing reports, aggregates."""
    if records_file:
        records, errors = load_records(records_file), list(load_errors or [])
    else:
        records, errors = collect(Path(source or "."))
    records = select(records, year, department)
    for r in records:
        exists = reports_dir and (Path(reports_dir) / f"{r['name']}.html").is_file()
        r["href"] = report_href(r["name"]) if exists else None
    return {
        "records": records, "errors": errors, "year": year, "department": department,
        "summary": summary(records), "departments": department_table(records),
        "codes": findings_by_code(records), "by_department": findings_by_department(records),
        "ranking": gap_ranking(records), "low_spending": full_marks_on_low_spending(records),
    }


def _env():
    from decimal import Decimal

    import jinja2


    env = jinja2.Environment(loader=jinja2.PackageLoader("selfeval", "templates/portfolio"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    # the report's and the index's rounding (四舍五入 on the exact value), so all agree
    env.filters["n"] = lambda v, places=2: "—" if v is None else format(round_half_up(Decimal(str(v)), places), ",f")
    env.filters["p"] = lambda v: "—" if v is None else show_rate(Decimal(str(v)))
    # money as the forms state it (a sum of stated amounts keeps their decimals: 2343.7, not 2,343.70)
    env.filters["m"] = lambda v: "—" if v is None else show_number(Decimal(str(round(v, 6))))
    env.globals["severity_words"] = SEVERITY_WORDS
    return env


def page_html(ctx: dict[str, Any], part: str) -> str:
    """One part of the portfolio page (summary, ranking, findings, departments, projects)."""
    return _env().get_template(f"{part}.html.j2").render(
        ctx=ctx, full_marks_claim=FULL_MARKS_CLAIM, low_execution=LOW_EXECUTION)
