"""The `selfeval` command line: score, review, inspect, rulesets, schema, convert, report, run, portfolio.

Exit codes: 0 ok (findings are results, not failures), 1 an input could not be read or validated
(or, for batch commands, a project failed), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from selfeval.errors import SelfevalError
from selfeval.files import check_writable
from selfeval.form.labels import category_name
from selfeval.form.values import format_decimal, show_range, show_score, terminal_safe
from selfeval.limits import DEFAULTS, ensure_open_files
from selfeval.startup import skip_unused_imports
from selfeval.version import __version__
from selfeval.views.text import render_table


def _fmt(d) -> str:
    """A score or weight (2 decimals, as in the report)."""
    return show_score(d)


def _evaluate(args: argparse.Namespace):
    # imported when the command runs, so every command (and --help) starts fast
    from selfeval.pipeline import evaluate

    return evaluate(args.form, ruleset=args.ruleset, region=getattr(args, "region", None),
                    layout=getattr(args, "layout", None), sheet=getattr(args, "sheet", None),
                    decisions=getattr(args, "decisions", None))


def _header(ev) -> str:
    f = ev.form
    prov = "（临时）" if ev.provisional else ""
    return "\n".join([
        f"{f.project_name}　{f.year}年　{f.department or ''}",
        f"评分规则 {ev.ruleset.name}　满分 {_fmt(ev.full_marks)}",
        f"自评 {_fmt(ev.self_total) if ev.self_claimed else '未填'}　重算 {_fmt(ev.rescore_total)}"
        f"　复核 {show_range(ev.review_low, ev.review_high)}{prov}　评级 {ev.rating_text}",
    ])


def cmd_score(args: argparse.Namespace) -> int:
    # imported when the command runs, so every command (and --help) starts fast
    from selfeval.views.document import evaluation_dict, to_json

    ev = _evaluate(args)
    if getattr(args, "xlsx", None):
        # imported when the command runs, so every command (and --help) starts fast
        from selfeval.views.workbooks import write_scored_workbook

        write_scored_workbook(ev, args.xlsx)
    if args.json:
        print(to_json(evaluation_dict(ev)))
        return 0
    rows = [
        [category_name(r.indicator.category), r.indicator.name, r.indicator.target.raw,
         _fmt(r.indicator.weight), r.indicator.actual or "", _fmt(r.self_score),
         _fmt(r.rescore.score), _fmt(r.review.score)]
        for r in ev.indicators
    ]
    print(_plain(_header(ev)))
    print()
    print(_plain(render_table(["类别", "指标名称", "目标值", "权重", "实际完成值", "自评分", "重算分", "复核分"],
                              rows, right={3, 5, 6, 7})))
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    # imported when the command runs, so every command (and --help) starts fast
    from selfeval.views.document import evaluation_dict, to_json

    ev = _evaluate(args)
    if args.json:
        print(to_json(evaluation_dict(ev)))
        return 0
    lines = [_header(ev)]
    # imported when the command runs, so every command (and --help) starts fast
    from selfeval.assess.findings import SEVERITIES, SEVERITY_WORDS

    for sev in SEVERITIES:
        group = [f for f in ev.findings if f.severity == sev]
        if not group:
            continue
        lines.append(f"\n{SEVERITY_WORDS[sev]}（{len(group)}）")
        for f in group:
            mark = f"  [已撤销：{f.dismissed.reviewer}，{f.dismissed.reason}]" if f.dismissed else ""
            lines.append(f"  {f.code}  {f.title}{mark}\n    {f.message}")
    changed = [r for r in ev.indicators if r.review.score != r.self_score]
    if changed:
        lines.append("\n复核分与自评分不同的指标")
        rows = [[r.indicator.name, _fmt(r.self_score), _fmt(r.review.score),
                 {"recomputed": "按资金数据重算", "decision": "复核人评分", "claimed": "按规则"}[r.review_source],
                 r.review.reason] for r in changed]
        lines.append(render_table(["指标名称", "自评分", "复核分", "依据", "说明"], rows, right={1, 2}))
    if not ev.findings:
        lines.append("\n无复核发现。")
    print(_plain("\n".join(lines)))  # a form's text may carry terminal escape sequences
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    """How a form was read: the layout chosen and why, each layout's detection, which header went
    to which field, rows passed over, columns not read, and every reading note."""
    # imported when the command runs, so every command (and --help) starts fast
    from selfeval.layouts import THRESHOLD, detect, resolve
    from selfeval.loaders import load_form, source_grid

    layout = resolve(args.layout)
    grid = source_grid(args.form, sheet=args.sheet)
    lines = [f"{args.form}"]
    if grid is not None:
        lines.append("版式检测:")
        for lay, det in detect(grid, (layout,) if layout else ()):
            mark = "✓" if det.confidence >= THRESHOLD else " "
            found = "、".join(det.reasons) or "—"
            missing = f"；缺 {'、'.join(det.missing)}" if det.missing else ""
            lines.append(f"  {mark} {lay.name:<10} {det.confidence:.2f}  {lay.title}：有 {found}{missing}")
    form = load_form(args.form, sheet=args.sheet, layout=layout)
    prov = form.provenance
    if prov.table:
        lines.append(f"读取的表: {prov.table}")
    lines.append(f"读取为: {prov.layout or form.layout}")
    caps = form.capabilities
    lines.append(f"能力: 偏差原因列={'有' if caps.note_column else '无'}，资金表={caps.funds}，"
                 f"预算执行计分={'是' if caps.budget_row else '否'}")
    for title, items in (("列与字段", prov.columns), ("跳过的行", prov.skipped), ("未读取的列", prov.unread),
                         ("读取说明", prov.notes)):
        lines.append(f"{title}: {'无' if not items else ''}")
        lines.extend(f"  {x}" for x in items)
    lines.append(f"指标: {len(form.indicators)} 项")
    print(_plain("\n".join(lines)))
    return 0


def _plain(text: str) -> str:
    """Text for a terminal: control characters from a form (escape sequences) removed."""
    return terminal_safe(text)


def cmd_rulesets(args: argparse.Namespace) -> int:
    """The rulesets selfeval can use, what each applies to and where its file is; `--show NAME`
    prints one's YAML (the start of a new city's ruleset)."""
    # imported when the command runs, so every command (and --help) starts fast
    from selfeval.assess.rulesets import load_ruleset, sources

    files = sources()
    if args.show:
        load_ruleset(args.show)  # refuses an unknown or twice-defined name, naming them
        sys.stdout.write(files[args.show][0].read_text(encoding="utf-8"))
        return 0
    rows = []
    for name, paths in sorted(files.items()):
        try:
            rs = load_ruleset(name)
        except SelfevalError as exc:  # list a broken file (the rest still show) rather than stop
            rows.append([name, "（无法使用）", str(exc).splitlines()[-1].strip()[:120], str(paths[0])])
            continue
        a = rs.applies_to
        years = sorted(a.years)
        span = (f"{years[0]}–{years[-1]}" if years == list(range(years[0], years[-1] + 1))
                else "、".join(map(str, years)))  # a gap is shown, never hidden in a range
        scope = [f"版式 {'、'.join(a.layouts)}", f"年度 {span}"]
        if a.regions:
            scope.append(f"地区 {'、'.join(a.regions)}")
        scope += [f"{k} {'、'.join('未填' if v is None else format_decimal(v) for v in vs)}" for k, vs in a.states.items()]
        rows.append([name, rs.title, "；".join(scope), str(paths[0])])
    print(_plain(render_table(["名称", "标题", "适用于", "文件"], rows)))  # a user ruleset's title
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    # imported when the command runs, so every command (and --help) starts fast
    from selfeval.form.model import form_schema

    print(json.dumps(form_schema(), ensure_ascii=False, indent=2))
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    # imported when the command runs, so every command (and --help) starts fast
    from selfeval.loaders import load_form, write_yaml

    form = load_form(args.form, sheet=args.sheet, layout=args.layout)
    out = Path(args.out) if args.out else Path(args.form).with_suffix(f".{args.to}")
    if out.resolve() == Path(args.form).resolve():
        raise SelfevalError(f"{out}: refusing to overwrite the input file; pass --out")
    if args.to == "yaml":
        write_yaml(form, out)
    else:
        # imported when the command runs, so every command (and --help) starts fast
        from selfeval.views.form_sheet import write_form_workbook

        write_form_workbook(form, out)
    print(_plain(str(out)))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    # imported when the command runs, so every command (and --help) starts fast
    from selfeval.api import is_params_file
    from selfeval.report.fonts import warm_font_cache
    from selfeval.report.render import render_report

    params = Path(args.params)
    if params.is_file() and not is_params_file(params):
        raise SelfevalError(f"{params}: report takes a params file (a YAML file whose form: names the form), "
                            f"not a form; write one such as\n  form: {params.name}\nnext to it, or review the "
                            f"form itself: selfeval review {args.params}")
    check_writable(Path(args.out))  # a read-only or full folder is said now, not after the render
    ensure_open_files(1)
    previous = None
    if args.db:  # the review is stored, and compared with the year before it in the record
        # imported when the command runs, so every command (and --help) starts fast
        from selfeval.form.keys import load_aliases
        from selfeval.record.backfill import add_files
        from selfeval.record.store import Record

        with Record(args.db) as rec:
            added = add_files(rec, [params], load_aliases(args.aliases))[0]
            if added.error:
                raise SelfevalError(added.error)
            previous = added.previous
    warm_font_cache()
    rendered = render_report(params, Path(args.out), docx=args.docx, previous=previous)
    print(_plain(str(rendered.html_path)))
    if args.docx:
        print(_plain(str(rendered.html_path.with_suffix(".docx"))))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    # imported when the command runs, so every command (and --help) starts fast
    from selfeval.batch.run import run_batch

    summary = run_batch(Path(args.params_dir), Path(args.out), jobs=args.jobs, force=args.force,
                        dask_address=args.dask, portfolio=not args.no_portfolio, docx=args.docx,
                        db=False if args.no_db else (args.db or True), aliases=args.aliases)
    return 1 if summary.failed or summary.portfolio_error else 0


def cmd_history(args: argparse.Namespace) -> int:
    # imported when the command runs, so every command (and --help) starts fast
    from selfeval.record.store import Record

    with Record(args.db) as rec:
        if args.action == "add":
            return _history_add(rec, args)
        if args.action == "show":
            return _history_show(rec, args.project)
        return _history_render(rec, args)


def _history_add(rec, args: argparse.Namespace) -> int:
    # imported when the command runs, so every command (and --help) starts fast
    from selfeval.api import form_files
    from selfeval.form.keys import load_aliases
    from selfeval.record.backfill import add_files

    failed = 0
    for a in add_files(rec, form_files(args.folder), load_aliases(args.aliases), args.year):
        if a.error:
            failed += 1
            print(_plain(f"selfeval: FAILED {a.path.name}: {a.error}"), file=sys.stderr)
        else:
            s = a.stored
            what = f"added revision {s.revision}" if s.added else f"unchanged (revision {s.revision})"
            print(_plain(f"{s.year} {s.project_key}: {what} ← {a.path.name}"))
    return 1 if failed else 0


def _history_show(rec, project: str) -> int:
    rows = rec.reviews(project)
    if not rows:
        raise SelfevalError(f"{rec.where}: no project matches {project!r} (a key, or part of a project name)")
    for key in dict.fromkeys(r["project_key"] for r in rows):
        mine = [r for r in rows if r["project_key"] == key]
        print(_plain(f"{mine[-1]['current_name']}（{mine[-1]['department']}）  key {key}"))
        print("  年度  修订  复核得分            评级            执行率    错误/警告  复核人  复核日期    selfeval")
        for r in mine:
            total = r["review_total"] if r["review_low"] == r["review_high"] else f"{r['review_low']}–{r['review_high']}"
            rate = "—" if r["execution_rate"] is None else f"{float(r['execution_rate']):.2f}%"
            print(_plain(f"  {r['year']}  {r['revision']:>4}  {total:>8} / {r['full_marks']:<6}  "
                         f"{r['rating_text']:<12}  {rate:>8}  {r['errors']:>4}/{r['warnings']:<4}  "
                         f"{r['reviewer'] or '—'}  {r['review_date'] or '—'}  {r['selfeval_version']}"))
    return 0


def _history_render(rec, args: argparse.Namespace) -> int:
    # imported when the command runs, so every command (and --help) starts fast
    from selfeval.report.fonts import warm_font_cache
    from selfeval.report.stored import render_stored

    rows = [r for r in rec.reviews(args.project) if r["year"] == args.year]
    if len(rows) != 1:
        raise SelfevalError(f"{rec.where}: {len(rows)} projects match {args.project!r} in {args.year}; "
                            "give the project key (selfeval history show)")
    warm_font_cache()
    rendered = render_stored(rec, rows[0]["id"], Path(args.out), f"{args.year}-{rows[0]['project_name']}", args.docx)
    print(_plain(str(rendered.html_path)))
    return 0


def cmd_portfolio(args: argparse.Namespace) -> int:
    # imported when the command runs, so every command (and --help) starts fast
    from selfeval.batch.portfolio import render_portfolio

    out = render_portfolio(Path(args.source), Path(args.out), year=args.year, department=args.department)
    print(_plain(str(out)))
    return 0


def rulesets_arg(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--rulesets", action="append", metavar="DIR",
                    help="a folder of your own ruleset files (repeatable; also SELFEVAL_RULESETS)")


#: Examples shown under each subcommand's --help (a test runs the ones marked with a form).
EXAMPLES = {
    "score": ["selfeval score form.txt", "selfeval score form.xlsx --sheet 自评表 --json",
              "selfeval score form.txt --ruleset suzhou-2023 --xlsx scored.xlsx"],
    "review": ["selfeval review form.txt", "selfeval review form.pdf --decisions form.decisions.yaml",
               "selfeval review form.html --region 无锡 --json > review.json"],
    "inspect": ["selfeval inspect form.docx", "selfeval inspect form.xlsx --sheet Sheet2 --layout my_layout.yaml"],
    "rulesets": ["selfeval rulesets", "selfeval rulesets --show suzhou-2023 > my_city-2024.yaml",
                 "selfeval rulesets --rulesets ./my_rulesets"],
    "schema": ["selfeval schema > form.schema.json"],
    "convert": ["selfeval convert form.txt --to yaml --out form.yaml",
                "selfeval convert form.pdf --to xlsx --out form.xlsx"],
    "report": ["selfeval report params/greening.yaml --out reports",
               "selfeval report params/greening.yaml --out reports --db reports/selfeval.db"],
    "history": ["selfeval history add forms2022 --year 2022 --db reports/selfeval.db",
                "selfeval history show 高标准农田 --db reports/selfeval.db",
                "selfeval history render 高标准农田 2022 --db reports/selfeval.db --out old"],
    "run": ["selfeval run params --out reports", "selfeval run params --out reports --jobs 4 --force",
            "selfeval run params --out reports --dask tcp://scheduler:8786"],
    "portfolio": ["selfeval portfolio params --out reports/portfolio.html",
                  "selfeval portfolio forms/ --year 2023 --department 苏州市教育局"],
}


def _examples(command: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in EXAMPLES[command])


LAYOUT_HELP = "read with this layout: a name (national, suzhou) or a layout file (.yaml, docs/layouts.md)"


class _Parser(argparse.ArgumentParser):
    """A subcommand's parser: its examples under the options."""

    def __init__(self, *args, **kwargs):
        command = kwargs.get("prog", "").rsplit(" ", 1)[-1]
        if command in EXAMPLES:
            kwargs.setdefault("epilog", _examples(command))
            kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="selfeval", description="Review, rescore and report 绩效自评 forms.",
        epilog="examples:\n  selfeval review form.txt\n  selfeval run params --out reports\n\n"
               "selfeval COMMAND --help shows each command's options and examples.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"selfeval {__version__}")
    loud = p.add_mutually_exclusive_group()
    loud.add_argument("-q", "--quiet", action="store_true", help="say only what failed")
    loud.add_argument("-v", "--verbose", action="store_true", help="say more of what is done")
    p.add_argument("--limit", action="append", default=[], metavar="NAME=VALUE",
                   help="raise (or lower) an input limit for this run, e.g. --limit FILE_MB=50 "
                        "(names: " + ", ".join(n.removeprefix("SELFEVAL_MAX_") for n in DEFAULTS) + ")")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def form_args(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("form", help="form file: .txt/.tsv text export, .xlsx/.xls workbook, .yaml, or as "
                        "published: .html page, .docx, .pdf")
        sp.add_argument("--ruleset", help="ruleset name or file (default: the one that applies to the form)")
        sp.add_argument("--region", help="the region whose ruleset applies (default: what the form states)")
        rulesets_arg(sp)
        sp.add_argument("--sheet", help="workbook sheet holding the form")
        sp.add_argument("--layout", help=LAYOUT_HELP)
        sp.add_argument("--decisions", help="reviewer decisions YAML file")
        sp.add_argument("--json", action="store_true", help="print one JSON document")

    sp = sub.add_parser("score", help="rescore a form by its ruleset")
    form_args(sp)
    sp.add_argument("--xlsx", help="also write the scored workbook here")
    sp.set_defaults(func=cmd_score)
    sp = sub.add_parser("review", help="review a form: findings, review scores, decisions")
    form_args(sp)
    sp.set_defaults(func=cmd_review)
    sp = sub.add_parser("inspect", help="show how a form is read: layout, columns, skipped rows, unread columns")
    sp.add_argument("form", help="form file in any format selfeval reads")
    sp.add_argument("--sheet", help="workbook sheet holding the form")
    sp.add_argument("--layout", help=LAYOUT_HELP)
    sp.set_defaults(func=cmd_inspect)
    sp = sub.add_parser("rulesets", help="list the rulesets (shipped and yours) and what each applies to")
    sp.add_argument("--show", metavar="NAME", help="print one ruleset's YAML (copy it to start a new one)")
    rulesets_arg(sp)
    sp.set_defaults(func=cmd_rulesets)
    sp = sub.add_parser("schema", help="print the JSON Schema of the canonical YAML form")
    sp.set_defaults(func=cmd_schema)
    sp = sub.add_parser("convert", help="convert a form to YAML or a workbook")
    sp.add_argument("form", help="form file in any format selfeval reads")
    sp.add_argument("--to", choices=["yaml", "xlsx"], required=True, help="the format to write")
    sp.add_argument("--out", help="file to write (default: the form's name with .yaml or .xlsx)")
    sp.add_argument("--sheet", help="workbook sheet holding the form")
    sp.add_argument("--layout", help=LAYOUT_HELP)
    sp.set_defaults(func=cmd_convert)
    sp = sub.add_parser("report", help="render one project's HTML report from a params file")
    sp.add_argument("params", help="the project's params file (YAML naming its form; see params/)")
    sp.add_argument("--out", default="reports", help="folder for the report (default: reports)")
    sp.add_argument("--docx", action="store_true", help="also write the 复核意见书 as a Word document (.docx)")
    sp.add_argument("--db", metavar="PATH|URL", help="store the review in this record and compare it with the "
                                                     "year before (an SQLite file or postgresql://…)")
    sp.add_argument("--aliases", metavar="FILE", help="renamed projects: new name → old names (docs/record.md)")
    rulesets_arg(sp)
    sp.set_defaults(func=cmd_report)
    sp = sub.add_parser("run", help="render every params file in a folder, plus the index")
    sp.add_argument("params_dir", help="folder of params files, one per project")
    sp.add_argument("--out", default="reports", help="output folder (default: reports)")
    sp.add_argument("--jobs", type=int, default=2, help="projects rendered at once (default: 2)")
    sp.add_argument("--force", action="store_true", help="re-render unchanged projects too")
    sp.add_argument("--dask", metavar="ADDRESS", help="send projects to a Dask cluster")
    sp.add_argument("--no-portfolio", action="store_true", help="do not render portfolio.html")
    sp.add_argument("--docx", action="store_true", help="also write each project's 复核意见书 (.docx)")
    sp.add_argument("--db", metavar="PATH|URL", help="the record across years (default: OUT/selfeval.db; "
                                                     "postgresql://… for a shared server)")
    sp.add_argument("--no-db", action="store_true", help="keep no record (and compare with no earlier year)")
    sp.add_argument("--aliases", metavar="FILE", help="renamed projects: new name → old names (docs/record.md)")
    rulesets_arg(sp)
    sp.set_defaults(func=cmd_run)
    sp = sub.add_parser("history", help="the record across years: back-fill earlier years, show a project")
    hist = sp.add_subparsers(dest="action", required=True, metavar="add|show|render")
    h = hist.add_parser("add", help="review and store a folder of forms or params files (earlier years)")
    h.add_argument("folder", help="folder of forms or params files")
    h.add_argument("--year", type=int, help="the year these forms are for (a form stating another is refused)")
    h.add_argument("--aliases", metavar="FILE", help="renamed projects: new name → old names")
    h = hist.add_parser("show", help="a project's years: scores, ratings, revisions")
    h.add_argument("project", help="a project key or part of a project name")
    h = hist.add_parser("render", help="render a stored year's report again")
    h.add_argument("project", help="a project key or part of a project name")
    h.add_argument("year", type=int)
    h.add_argument("--out", default="reports", help="folder for the report (default: reports)")
    h.add_argument("--docx", action="store_true", help="also write the 复核意见书 (.docx)")
    for h in hist.choices.values():
        h.add_argument("--db", required=True, metavar="PATH|URL", help="the record (an SQLite file or postgresql://…)")
        rulesets_arg(h)
    sp.set_defaults(func=cmd_history)
    sp = sub.add_parser("portfolio", help="render the portfolio overview of a folder")
    sp.add_argument("source", help="folder of forms or params files")
    sp.add_argument("--out", default="reports/portfolio.html", help="the page to write")
    sp.add_argument("--year", type=int, help="only this year's projects")
    sp.add_argument("--department", help="only this 主管部门's projects")
    rulesets_arg(sp)
    sp.set_defaults(func=cmd_portfolio)
    return p


def _apply_limits(given: list[str]) -> None:
    """`--limit NAME=VALUE`: set the limit's variable for this run (report kernels inherit it)."""
    for item in given:
        name, _, value = item.partition("=")
        var = name.strip().upper()
        var = var if var.startswith("SELFEVAL_MAX_") else f"SELFEVAL_MAX_{var}"
        if var not in DEFAULTS:
            raise SelfevalError(f"--limit {item}: unknown limit {name!r}; the limits are "
                                + ", ".join(n.removeprefix("SELFEVAL_MAX_") for n in DEFAULTS))
        if not value.strip().isdigit() or int(value) <= 0:
            raise SelfevalError(f"--limit {item}: expected a whole number above 0")
        os.environ[var] = value.strip()


class _Stderr(logging.Handler):
    """Lines for the person at the terminal: `selfeval: …` on whatever stderr is now (so a test's
    capture sees them too), through the one output filter."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(terminal_safe(f"selfeval: {record.getMessage()}") + "\n")
            sys.stderr.flush()
        except (OSError, ValueError):  # a closed stream: nothing to show it on
            pass


_HANDLER = _Stderr()


def configure_logging(level: int = logging.INFO) -> None:
    """Show what selfeval logs on stderr at `level` (the command line's `--quiet`: WARNING,
    default: INFO, `--verbose`: DEBUG); once, however often it is called."""
    logger = logging.getLogger("selfeval")
    if _HANDLER not in logger.handlers:
        logger.addHandler(_HANDLER)
    logger.setLevel(level)
    _HANDLER.setLevel(level)


def _terminate(signum, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM (a scheduler stopping the job) ends like Ctrl-C


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `selfeval` console script."""
    args = build_parser().parse_args(argv)
    if argv is None:  # the `selfeval` process itself (not a test calling main): see startup

        skip_unused_imports()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    configure_logging(logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO)
    try:
        _apply_limits(args.limit)
    except SelfevalError as exc:
        print(_plain(f"selfeval: error: {exc}"), file=sys.stderr)
        return 2
    if getattr(args, "rulesets", None):  # through the environment, so report kernels see them too
        # imported when the command runs, so every command (and --help) starts fast
        from selfeval.assess.rulesets import ENV

        folders = [str(Path(d).expanduser().resolve()) for d in args.rulesets]  # kernels run elsewhere
        os.environ[ENV] = os.pathsep.join([*folders, *filter(None, [os.environ.get(ENV)])])
    try:
        return args.func(args)
    except SelfevalError as exc:
        print(_plain(f"selfeval: error: {exc}"), file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (below): one line, no tracebacks
        print("selfeval: interrupted; finished reports are kept, nothing is half-written, and the next run "
              "picks up the rest", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `selfeval review … | head`: the reader left, which is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
