"""The report a reviewer can sign: the conclusion first, one meaning per number, rounded numbers,
breakdowns that add up, findings by root cause, advice tied to findings, the missing sections, a
phone-width and a printed page that work, and an index a reviewer can filter."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal as D
from html import unescape
from pathlib import Path

import pytest
from builders import clean_form, stated, with_indicator, with_spending

import selfeval
from selfeval.assess.checks import review
from selfeval.assess.rulesets import load_ruleset
from selfeval.report import conclusion
from selfeval.report import sections as present
from selfeval.report.context import ReportContext

pytestmark = pytest.mark.slow  # end-to-end: kernels, papermill, a browser or a wheel

ROOT = Path(__file__).resolve().parents[2]
PARAMS = sorted((ROOT / "params").glob("*.yaml"))


def text_of(html: str) -> str:
    html = re.sub(r"<(style|script)\b.*?</\1>", "", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture(scope="module")
def evaluations():
    return {p.stem: selfeval.review_params(p) for p in PARAMS}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    from selfeval.batch.run import run_batch

    out = tmp_path_factory.mktemp("reports")
    summary = run_batch(ROOT / "params", out, jobs=2)
    assert summary.failed == 0
    return out


# --- 1. one meaning per rate --------------------------------------------------------------------


def test_each_rate_has_one_name_that_says_its_basis(evaluations):
    ev = evaluations["seed"]
    summary = text_of(present.summary_html(ReportContext.of(ev)))
    assert "预算执行率（支付÷预算） 88.65%" in summary and "资金支付率（支付÷到位） 99.99%" in summary
    table = text_of(present.indicators_html(ev))
    # the indicator called 预算执行率 is scored on another basis, and its reason says which
    assert "按资金支付率（支付÷到位）计：实际99.99%" in table
    assert ev.review_total == D("79.43")  # the scoring basis itself is unchanged


# --- 2. the rating change is stated --------------------------------------------------------------


def test_a_downgrade_is_stated_in_the_conclusion_index_csv_and_workbook(evaluations, rendered):
    ev = evaluations["rural_roads"]
    assert (ev.self_rating, ev.rating, conclusion.rating_change(ev)) == ("良", "中", "下调一档")
    verdict = text_of(present.summary_html(ReportContext.of(ev)))
    assert "评级 中 （自评 良，下调一档）" in verdict
    assert conclusion.rating_change(evaluations["seed"]) == "未变"
    rows = list(csv.DictReader(io.StringIO((rendered / "scores.csv").read_text(encoding="utf-8-sig"))))
    road = next(r for r in rows if r["参数文件"] == "rural_roads")
    assert (road["自评评级"], road["复核评级"]) == ("良", "中")
    from openpyxl import load_workbook

    sheet = load_workbook(rendered / "scores.xlsx")["项目"]
    header = [c.value for c in sheet[1]]
    assert "自评评级" in header and "复核评级" in header
    index = (rendered / "index.html").read_text(encoding="utf-8")
    assert "自评评级" in index


# --- 3. no 28-digit decimals where reviewers read ------------------------------------------------


def test_reviewer_facing_numbers_are_rounded(rendered, capsys):
    long = re.compile(r"\d\.\d{7,}")
    for page in rendered.glob("*.html"):
        assert not long.findall(text_of(page.read_text(encoding="utf-8"))), page.name
    for name in ("scores.csv",):
        body = (rendered / name).read_text(encoding="utf-8-sig")
        assert not re.findall(r"\d\.\d{3,}", body), name
    from openpyxl import load_workbook

    wb = load_workbook(rendered / "scores.xlsx")
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for v in row:
                if isinstance(v, float):
                    assert round(v, 2) == v, (ws.title, row)
    from selfeval.cli import main

    assert main(["review", str(ROOT / "selfeval" / "examples" / "seed.txt")]) == 0
    assert not long.findall(capsys.readouterr().out)
    # money is shown as the form states it (four or six decimals stay)
    seed = text_of((rendered / "seed.html").read_text(encoding="utf-8"))
    assert "165.5002" in seed and "2077.604168" in seed and "88.65383" not in seed


def test_scores_have_two_decimals_everywhere_in_the_indicator_table(evaluations):
    table = present.indicators_html(evaluations["seed"])
    cells = re.findall(r'<td class="num"[^>]*>([^<]*)</td>', table)
    numbers = [c for c in cells if re.fullmatch(r"[+-]?\d+(\.\d+)?", c)]
    assert numbers and all(re.fullmatch(r"[+-]?\d+\.\d\d", c) for c in numbers), numbers


# --- 4. the conclusion is on the first screen ----------------------------------------------------


def test_the_summary_comes_first_and_carries_the_conclusion(evaluations):
    ev = evaluations["eldercare"]
    html = present.summary_html(ReportContext.of(ev))
    assert html.index("复核结论") < html.index("se-kpis")
    text = text_of(html)
    for part in ("复核得分", "评级", "主要问题", "待复核人决定", "复核人", "复核日期"):
        assert part in text, part


def test_the_notebook_shows_the_summary_first():
    import json

    nb = json.loads((ROOT / "notebooks" / "project_report.ipynb").read_text(encoding="utf-8"))
    sources = ["".join(c["source"]) for c in nb["cells"]]
    first_output = next(i for i, s in enumerate(sources) if "sections.show(" in s)
    assert "summary_html" in sources[first_output]


# --- 5. breakdowns add up; the index and portfolio round alike -----------------------------------


@pytest.mark.parametrize("name", [p.stem for p in PARAMS])
def test_every_breakdown_adds_up_to_its_difference(evaluations, name):
    ev = evaluations[name]
    overall = next(s for s in ReportContext.of(ev).narrative if s.id == "overall")
    text = "".join(overall.paragraphs)
    m = re.search(r"复核较自评(减少|增加)([\d.]+)分，(?:由以下变动构成：|来自)(.+?)。", text)
    if not ev.self_claimed or ev.review_total == ev.self_total:
        assert m is None
        return
    assert m, text
    parts = [D(x) for x in re.findall(r"（([+-]?[\d.]+)分）", m.group(3))]
    gap = D(m.group(2)) * (-1 if m.group(1) == "减少" else 1)
    assert sum(parts) == gap, (parts, gap)
    assert "等" not in m.group(3)[-2:]  # nothing hidden behind "等"


def test_index_and_portfolio_round_the_same_share_alike(rendered):
    index = text_of((rendered / "index.html").read_text(encoding="utf-8"))
    # rural roads: 63.82 / 80 = 79.775 % exactly, 四舍五入 → 79.78 %
    assert "79.78%" in index and "79.77%" not in index
    portfolio = text_of((rendered / "portfolio.html").read_text(encoding="utf-8"))
    assert "79.77%" not in portfolio


# --- 6. findings by root cause, titles that match, no "final" for a pending total ---------------


def test_findings_are_shown_by_cause_each_once(evaluations):
    for ev in evaluations.values():
        html = present.findings_html(ev)
        appendix = present.appendix_html(ev)
        assert "SE-" not in html  # the reviewer reads titles; the codes are in the appendix, once each
        for f in ev.findings:
            assert f.title in html and appendix.count(f"<code>{f.code}</code>") == 1, f.code
        groups = conclusion.causes(ev)
        assert sum(len(c.findings) for c in groups) == len(ev.findings)
        assert all(c.title in html for c in groups)


def test_every_finding_code_has_exactly_one_cause():
    from selfeval.assess.findings import CATALOGUE

    spec = conclusion.spec()
    codes = [code for c in spec["causes"] for code in c["codes"]]
    assert sorted(codes) == sorted(CATALOGUE)


def test_recovered_money_is_told_once(evaluations):
    ev = evaluations["seed"]
    told = [f.code for f in ev.findings if "265.92" in f.message]
    assert told == ["SE-RATE-FULL-DESPITE-RECOVERY"]


def test_a_settled_manual_indicator_is_not_titled_pending(evaluations):
    ev = evaluations["rural_roads"]  # 路面病害处治 is scored by the reviewer's decision
    manual = next(f for f in ev.findings if f.code == "SE-IND-MANUAL")
    assert manual.title != "待人工评分" and "最终" not in manual.message
    pending = evaluations["eldercare"]
    if pending.provisional:
        f = next(f for f in pending.findings if f.code == "SE-IND-MANUAL")
        assert f.title == "待人工评分" and "临时" in f.message


# --- 7. advice from the findings that fired, in order, never contradicting the form --------------


def test_advice_is_tied_to_open_findings_most_severe_first(evaluations):
    order = {"error": 0, "warning": 1, "info": 2}
    for ev in evaluations.values():
        items = conclusion.advice(ev)
        open_codes = {f.code for f in ev.findings if f.dismissed is None}
        assert {a["code"] for a in items} <= open_codes
        assert [order[a["severity"]] for a in items] == sorted(order[a["severity"]] for a in items)
        text = "".join(next(s for s in ReportContext.of(ev).narrative if s.id == "recommendations").paragraphs)
        for a in items:
            assert f"（依据：{a['title']}）" in text and a["code"] not in text


def test_advice_does_not_tell_a_form_that_wrote_88_4_percent_to_stop_writing_100(suzhou):
    form = stated(with_indicator(with_spending(clean_form(), appropriated="90", paid="90"), "资金到位率",
                                 actual="88.4%", self_score="1"))
    ev = review(form, suzhou)
    assert any(f.code == "SE-RATE-MISMATCH" for f in ev.findings)
    for text in [a["text"] for a in conclusion.advice(ev)] + [d.action for d in conclusion.rectification(ev)]:
        assert "100%" not in text, text


def test_a_clean_project_gets_no_boilerplate(suzhou):
    ev = review(stated(clean_form()), suzhou)
    assert [f for f in ev.findings if f.severity != "info"] == []
    assert conclusion.evidence(ev) == [] and conclusion.rectification(ev) == []
    assert conclusion.quality(ev)["overall"] == "较好"
    text = text_of(present.assessment_html(ev))
    assert text.count("无。") == 2


# --- 10. charts ------------------------------------------------------------------------------


def test_charts_describe_themselves_and_do_not_draw_pending_as_zero(evaluations):
    from selfeval.report import charts
    from selfeval.report.fonts import ALT_ATTRIBUTE, configure_matplotlib

    configure_matplotlib()
    for ev in evaluations.values():
        for name, make in charts.ALL_CHARTS.items():
            fig = make(ev)
            if ev.form.sub_items or name != "sub_items":
                alt = getattr(fig, ALT_ATTRIBUTE, "")
                assert len(alt) > 10 and alt != "图表", (name, alt)
    pending = next((ev for ev in evaluations.values() if any(r.review.score is None for r in ev.indicators)), None)
    assert pending is not None
    fig = charts.category_scores(pending)
    assert "待评" in getattr(fig, ALT_ATTRIBUTE)
    assert any("待评" in t.get_text() for t in fig.axes[0].texts)


def test_completion_chart_colours_only_a_lost_point_red(evaluations):
    from selfeval.report import charts

    ev = evaluations["seed"]  # 预算执行率: reviewed 99.99 %, still full marks
    fig = charts.completion(ev)
    colours = {tuple(line.get_color()) if not isinstance(line.get_color(), str) else line.get_color()
               for line in fig.axes[0].lines if line.get_marker() == "D"}
    assert charts.WARN_COLOR in colours and charts.REVIEW_COLOR in colours
    assert "未列入" in fig.axes[0].get_xlabel()


# --- 11. the missing sections ------------------------------------------------------------------


def test_the_sections_a_reviewer_expects(evaluations, rendered):
    page = text_of((rendered / "rural_roads.html").read_text(encoding="utf-8"))
    for part in ("项目总目标", "决策小计", "过程小计", "自评质量评估", "需补充的佐证材料", "整改要求", "结果应用",
                 "复核人", "复核日期"):
        assert part in page, part
    seed = text_of((rendered / "seed.html").read_text(encoding="utf-8"))
    assert "复核意见" in seed and "分析师" not in seed
    ev = evaluations["rural_roads"]
    html = present.indicators_html(ev)
    # each category's subtotal is the sum of its indicators' review scores
    for cat in ("过程", "产出"):
        rows = [r for r in ev.indicators if r.indicator.category.value == {"过程": "process", "产出": "output"}[cat]]
        total = sum((r.review.score or 0 for r in rows), D(0))
        assert re.search(rf"{cat}小计</td>.*?<td class=\"num\"[^>]*>{total:.2f}</td>", html, re.S), cat


# --- 9. the index ------------------------------------------------------------------------------


def test_index_puts_the_project_first_filters_and_ranks_ratings(rendered):
    page = (rendered / "index.html").read_text(encoding="utf-8")
    table = page[page.index('<table id="projects">'):]
    head = re.search(r"<thead>(.*?)</thead>", table, re.S).group(1)
    assert re.findall(r"<th[^>]*>([^<]+)</th>", head)[0] == "项目名称"
    assert 'type="search"' in page and 'id="filters"' in page
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    shares = [float(re.search(r'data-v="([\d.]+)"', r).group(1)) for r in rows]  # the first is the share
    assert shares == sorted(shares) and len(shares) == len(PARAMS)  # lowest review share first
    from selfeval.batch.index import rating_rank

    assert rating_rank("优") > rating_rank("良") > rating_rank("中") > rating_rank("差") > rating_rank("待定")


@pytest.fixture(scope="module")
def suzhou():
    return load_ruleset("suzhou-2023")
