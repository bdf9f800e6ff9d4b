"""The batch index: every project listed (equal names, an over-full form), filters that match
their own column, the review date and the rating distribution."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from builders import clean_form, replace_fields, stated, with_indicator

from selfeval.assess.checks import review
from selfeval.batch.index import index_rows, rating_counts, write_index
from selfeval.batch.job import Outcome
from selfeval.views.row import ProjectRow


def _outcome(name, form, suzhou, review_date=""):
    return Outcome(name=name, status="rendered", row=ProjectRow.of(review(form, suzhou)).to_json(),
                   review_date=review_date)


def _outcomes(suzhou):
    twin_a = replace_fields(clean_form(), department="苏州市民政局")
    twin_b = replace_fields(clean_form(), department="苏州市教育局")  # the same project name
    over = stated(with_indicator(clean_form(), "立项程序规范性", weight="11", self_score="11"))  # over full marks
    return [_outcome("a", twin_a, suzhou, "2024-03-01"), _outcome("b", twin_b, suzhou),
            _outcome("over", over, suzhou, "2024-03-02"),
            Outcome(name="broken", status="failed", reason="broken.yaml: form: no such file")]


def test_every_project_is_listed_with_equal_names_and_an_over_full_form(suzhou, tmp_path):
    outcomes = _outcomes(suzhou)
    rows = index_rows(outcomes)
    assert [r["name"] for r in rows] == ["broken", "over", "a", "b"]  # failed, then unsettled, then the rest
    over = rows[1]
    assert over["status"] == "评级待定" and over["rating_key"] == "待定" and over["review_share_v"] == -1
    write_index(outcomes, tmp_path)
    soup = BeautifulSoup((tmp_path / "index.html").read_text(encoding="utf-8"), "html.parser")
    body = soup.select("#projects tbody tr")
    assert len(body) == 4
    names = [tr.get("data-name") for tr in body]
    assert names[2].endswith(" a") and names[3].endswith(" b") and names[2].split()[0] == names[3].split()[0]
    assert [tr.get("data-dept") for tr in body[2:]] == ["苏州市民政局", "苏州市教育局"]
    dates = [tr.select("td")[10].get_text() for tr in body[1:]]
    assert dates == ["2024-03-02", "2024-03-01", "—"]


def test_filters_match_their_own_column(suzhou, tmp_path):
    write_index(_outcomes(suzhou), tmp_path)
    soup = BeautifulSoup((tmp_path / "index.html").read_text(encoding="utf-8"), "html.parser")
    rows = soup.select("#projects tbody tr")
    # a self-rated 优 under review 待定 is not a 优 for the rating filter
    assert [tr["data-rating"] for tr in rows] == ["", "待定", "优", "优"]
    assert [tr["data-settled"] for tr in rows] == ["", "待定", "已定", "已定"]
    assert [tr["data-status"] for tr in rows] == ["失败", "评级待定", "最终", "最终"]
    options = {s["data-col"]: [o.get_text() for o in s.select("option")] for s in soup.select("#filters select")}
    assert options["dept"] == ["全部", "苏州市信息中心", "苏州市教育局", "苏州市民政局"]
    assert set(options) == {"rating", "settled", "status", "dept"}


def test_the_rating_distribution_counts_review_and_self(suzhou):
    counts = rating_counts(index_rows(_outcomes(suzhou)))
    assert counts["复核"] == {"优": 2, "良": 0, "中": 0, "差": 0, "待定": 1}
    assert counts["自评"]["优"] == 3 and counts["自评"]["未评级"] == 0
    assert sum(counts["复核"].values()) == 3  # the failed project is in neither row


def test_the_distribution_table_is_in_the_page(suzhou, tmp_path):
    write_index(_outcomes(suzhou), tmp_path)
    soup = BeautifulSoup((tmp_path / "index.html").read_text(encoding="utf-8"), "html.parser")
    cells = [[c.get_text() for c in tr.find_all(["th", "td"])] for tr in soup.select("#distribution tbody tr")]
    assert cells[0][:6] == ["复核", "2", "0", "0", "0", "1"]
    assert re.fullmatch(r"\d", cells[1][1])
