"""Portfolio aggregates against hand-computed values, collection from a folder, rendering."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from selfeval.batch import portfolio as pf

ROOT = Path(__file__).resolve().parents[2]


def rec(name, dept, self_share, review_share, exe, budget, paid, findings=(), year=2023, full=80.0):
    return {"name": name, "project_name": f"项目{name}", "department": dept, "year": year, "ruleset": "suzhou-2023",
            "full_marks": full, "self_total": self_share * full / 100, "review_total": review_share * full / 100,
            "self_share": self_share, "review_share": review_share, "gap": self_share - review_share,
            "rating": "优", "provisional": False, "settled": True, "rating_text": "优", "unsettled": "",
            "review_low": review_share * full / 100, "review_high": review_share * full / 100,
            "execution_rate": exe, "funding_rate": 100.0, "budget": budget, "paid": paid,
            "findings": [list(f) for f in findings]}


W = ("SE-EXEC-SCORE-GAP", "warning", "自评得分率明显高于预算执行率")
E = ("SE-ARITH-TOTAL", "error", "自评分合计与各项之和不符")
I_ = ("SE-PLAUS-QUAL-AS-PERCENT", "info", "定性指标以百分比填报")

RECORDS = [
    rec("a", "民政局", 100.0, 90.0, 60.0, 100.0, 60.0, [W, I_]),
    rec("b", "民政局", 80.0, 78.0, 95.0, 300.0, 285.0, [I_]),
    rec("c", "交通局", 96.0, 96.0, 90.0, 200.0, 180.0, [E, W], year=2022),
    rec("d", "交通局", 70.0, 40.0, None, 0.0, 0.0, []),
]


def test_department_table_by_hand():
    rows = {r["department"]: r for r in pf.department_table(RECORDS)}
    civ, tra = rows["民政局"], rows["交通局"]
    assert civ["projects"] == 2 and civ["budget"] == 400.0 and civ["paid"] == 345.0
    assert civ["execution_rate"] == 86.25  # 345 / 400, by money, not a mean of rates
    assert civ["self_share"] == 90.0 and civ["review_share"] == 84.0 and civ["gap"] == 6.0
    assert civ["errors"] == 0 and civ["warnings"] == 1
    assert tra["execution_rate"] == 90.0 and tra["gap"] == 15.0 and tra["errors"] == 1
    # sorted by gap, largest first
    assert [r["department"] for r in pf.department_table(RECORDS)] == ["交通局", "民政局"]


def test_findings_by_code_counts_projects():
    codes = pf.findings_by_code(RECORDS)
    assert [(c["code"], c["projects"], c["share"]) for c in codes] == [
        ("SE-EXEC-SCORE-GAP", 2, 50.0), ("SE-PLAUS-QUAL-AS-PERCENT", 2, 50.0), ("SE-ARITH-TOTAL", 1, 25.0)]
    assert pf.findings_by_department(RECORDS) == {
        "交通局": {"SE-ARITH-TOTAL": 1, "SE-EXEC-SCORE-GAP": 1},
        "民政局": {"SE-EXEC-SCORE-GAP": 1, "SE-PLAUS-QUAL-AS-PERCENT": 2}}


def test_ranking_flags_and_filters():
    assert [r["name"] for r in pf.gap_ranking(RECORDS)] == ["d", "a", "b", "c"]
    assert [r["name"] for r in pf.gap_ranking(RECORDS, 2)] == ["d", "a"]
    assert [r["name"] for r in pf.full_marks_on_low_spending(RECORDS)] == ["a"]
    assert [r["name"] for r in pf.select(RECORDS, year=2022)] == ["c"]
    assert [r["name"] for r in pf.select(RECORDS, department="民政局")] == ["a", "b"]
    s = pf.summary(RECORDS)
    assert s["projects"] == 4 and s["departments"] == 2 and s["with_errors"] == 1
    assert s["self_share"] == 86.5 and s["review_share"] == 76.0 and s["low_spending_full_marks"] == 1


def test_collect_reads_forms_and_params_and_reports_failures(tmp_path):
    shutil.copy(ROOT / "selfeval" / "examples" / "seed.txt", tmp_path / "seed.txt")
    shutil.copy(ROOT / "selfeval" / "examples" / "eldercare.yaml", tmp_path / "eldercare.yaml")
    (tmp_path / "broken.txt").write_text("nothing here", encoding="utf-8")
    (tmp_path / "p.yaml").write_text("form: seed.txt\ndecisions:\n  scores:\n"
                                     "    - {indicator: 资金到位率, score: 1, reason: 复核确认, reviewer: 王}\n",
                                     encoding="utf-8")
    records, errors = pf.collect(tmp_path)
    by_name = {r["name"]: r for r in records}
    assert set(by_name) == {"seed", "eldercare", "p"}
    assert by_name["seed"]["review_total"] == 79.43
    assert by_name["p"]["review_total"] == 80.0  # the params file's decision applies
    assert by_name["seed"]["self_share"] == 100.0 and by_name["seed"]["execution_rate"] == 88.6462
    assert len(errors) == 1 and errors[0].startswith("broken.txt")


@pytest.mark.slow
def test_records_from_batch_outcomes_match_collected(tmp_path):
    from selfeval.batch.run import run_batch

    params = tmp_path / "params"
    params.mkdir()
    shutil.copy(ROOT / "selfeval" / "examples" / "seed.txt", params / "seed.txt")
    (params / "one.yaml").write_text("form: seed.txt\n", encoding="utf-8")
    (params / "two.yaml").write_text("form: seed.txt\n", encoding="utf-8")
    out = tmp_path / "out"
    summary = run_batch(params, out, jobs=2)
    from_run = {r["name"]: r for r in pf.records_from_outcomes(summary.outcomes)}
    collected = {r["name"]: r for r in pf.collect(params)[0]}
    for name in ("one", "two"):
        assert from_run[name] == collected[name]
    html = (out / "portfolio.html").read_text(encoding="utf-8")
    assert "项目绩效自评复核总体情况" in html and 'href="./one.html"' in html
    # an all-skipped rerun leaves the portfolio as it was
    before = (out / "portfolio.html").stat().st_mtime_ns
    run_batch(params, out, jobs=2)
    assert (out / "portfolio.html").stat().st_mtime_ns == before


@pytest.mark.slow
def test_cli_portfolio(tmp_path, capsys):
    from selfeval.cli import main

    out = tmp_path / "p.html"
    assert main(["portfolio", str(ROOT / "params"), "--out", str(out), "--department", "苏州市信息中心"]) == 0
    html = out.read_text(encoding="utf-8")
    assert "共 1 个项目" in html and "电子政务项目运行维护资金" in html
    assert "社区居家养老服务补助资金" not in html
    assert main(["portfolio", str(tmp_path / "nope"), "--out", str(out)]) == 1


@pytest.mark.parametrize("part", ["summary", "ranking", "findings", "departments", "projects"])
def test_page_parts_escape_text(part):
    evil = [rec("x", "<b>部门</b>", 90.0, 80.0, 50.0, 10.0, 5.0, [W])]
    evil[0]["project_name"] = "<script>alert(1)</script>"
    ctx = {
        "records": evil, "errors": [], "year": None, "department": None, "summary": pf.summary(evil),
        "departments": pf.department_table(evil), "codes": pf.findings_by_code(evil),
        "by_department": pf.findings_by_department(evil), "ranking": pf.gap_ranking(evil),
        "low_spending": pf.full_marks_on_low_spending(evil)}
    for r in evil:
        r["href"] = None
    html = pf.page_html(ctx, part)
    assert "<script>" not in html and "<b>部门</b>" not in html


def test_a_form_claiming_no_scores_stays_out_of_self_share_aggregates():
    blank = rec("z", "民政局", 0.0, 50.0, 70.0, 100.0, 70.0)
    blank.update(self_total=None, self_share=None, gap=None)
    records = [*RECORDS, blank]
    civ = next(r for r in pf.department_table(records) if r["department"] == "民政局")
    assert civ["projects"] == 3 and civ["self_share"] == 90.0 and civ["gap"] == 6.0
    assert civ["review_share"] == round((90 + 78 + 50) / 3, 4)
    assert pf.gap_ranking(records)[-1]["name"] == "z"
    assert pf.summary(records)["self_share"] == 86.5
    assert "z" not in [r["name"] for r in pf.full_marks_on_low_spending(records)]


def test_unsettled_results_are_ranked_apart_never_as_the_best():
    best = rec("u", "民政局", 80.0, 100.0, 100.0, 10.0, 10.0)
    best.update(settled=False, rating=None, rating_text="待定", unsettled="分值或得分超过满分，待复核人确定权重",
                gap=-20.0, review_high=88.0)
    records = [{**r, "href": None} for r in (best, *RECORDS)]
    ranked = pf.gap_ranking(records)
    assert ranked[-1]["name"] == "u" and all(r["settled"] for r in ranked[:-1])
    ctx = {"records": records, "ranking": ranked}
    html = pf.page_html(ctx, "ranking")
    assert "项目u" not in html  # the gap ranking holds settled results only
    html = pf.page_html(ctx, "projects")
    assert "待定：分值或得分超过满分" in html


# --- every project drawn: above 100 %, and equal names -------------------------------------------

def _twins_and_overfull():
    a = rec("a", "民政局", 100.0, 90.0, 60.0, 100.0, 60.0)
    b = rec("b", "教育局", 98.0, 80.0, 70.0, 100.0, 70.0)
    b["project_name"] = a["project_name"]  # two departments, one project name
    over = rec("over", "财政局", 112.5, 104.0, 130.0, 100.0, 130.0)  # an over-full form, paid above budget
    return [a, b, over]


def test_the_gap_chart_draws_one_bar_per_project_with_equal_names_told_apart():
    from selfeval.report.charts import gap_bars, unique_names

    records = _twins_and_overfull()
    fig = gap_bars(records)
    ax = fig.axes[0]
    assert len(ax.patches) == 3
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(set(labels)) == 3 and "项目a（民政局）" in labels and "项目a（教育局）" in labels
    same = [rec("x", "民政局", 90.0, 80.0, 90.0, 1.0, 1.0), rec("y", "民政局", 90.0, 70.0, 90.0, 1.0, 1.0)]
    same[1]["project_name"] = same[0]["project_name"]
    assert unique_names(same) == ["项目x（民政局）·x", "项目x（民政局）·y"]  # same department too: the params name
    from selfeval.report.charts import ALT_ATTRIBUTE

    assert "项目a（教育局） 18.00" in getattr(fig, ALT_ATTRIBUTE)


def test_a_project_above_100_percent_is_drawn_on_the_edge_and_named():
    from selfeval.report.charts import ALT_ATTRIBUTE, execution_vs_score, share_distribution

    records = _twins_and_overfull()
    fig = execution_vs_score(records)
    ax = fig.axes[0]
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    from matplotlib.collections import PathCollection

    drawn = [tuple(p) for c in ax.collections if isinstance(c, PathCollection) for p in c.get_offsets()]
    assert len(drawn) == 3  # nobody dropped
    assert all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in drawn), (drawn, (x0, x1, y0, y1))
    alt = getattr(fig, ALT_ATTRIBUTE)
    assert "超出坐标范围" in alt and "项目over（执行率130.00%，自评得分率112.50%）" in alt
    hist = share_distribution(records)
    assert "项目over（112.50%）" in getattr(hist, ALT_ATTRIBUTE)
    heights = sum(p.get_height() for p in hist.axes[0].patches)
    assert heights == 6  # three self shares and three review shares, the over-full one in the last bin


def test_every_portfolio_chart_says_what_it_shows():
    from selfeval.report import charts

    records = _twins_and_overfull()
    for fig in (charts.share_distribution(records), charts.execution_vs_score(records), charts.gap_bars(records),
                charts.findings_bars(pf.findings_by_code(RECORDS))):
        alt = getattr(fig, charts.ALT_ATTRIBUTE)
        assert len(alt) > 20 and alt != "图表"
