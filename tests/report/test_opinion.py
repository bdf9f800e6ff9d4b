"""The 复核意见书 (.docx): the same review as the HTML report, in words a bureau sends, with the
fields a person fills taken from the params file or left blank to sign."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from docx import Document

import selfeval
from selfeval.report import conclusion, sections
from selfeval.report.context import ReportContext
from selfeval.report.notebook import prepare
from selfeval.report.opinion import BLANK, opinion_bytes, verdict_text
from selfeval.report.wording import KEEP_ROWS

ROOT = Path(__file__).resolve().parents[2]
SIGNED = """document_number: 苏财绩复〔2024〕17号
checker: 李审核
approver: 王负责
rectify_by: 2024-06-30
"""


def _params(tmp_path: Path, name: str = "seed", extra: str = SIGNED) -> Path:
    text = (ROOT / "params" / f"{name}.yaml").read_text(encoding="utf-8")
    text = text.replace("form: ../selfeval/examples/", f"form: {ROOT}/selfeval/examples/")
    path = tmp_path / f"{name}.yaml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def _text(data: bytes, tmp_path: Path) -> str:
    """Every paragraph and table cell of a .docx, in document order."""
    path = tmp_path / "o.docx"
    path.write_bytes(data)
    doc = Document(str(path))
    body = doc.element.body
    out = []
    for block in body.iterchildren():
        if block.tag.endswith("}p"):
            out.append("".join(t.text or "" for t in block.iter() if t.tag.endswith("}t")))
        elif block.tag.endswith("}tbl"):
            for row in block.iter():
                if row.tag.endswith("}tr"):
                    out.append(" | ".join("".join(t.text or "" for t in c.iter() if t.tag.endswith("}t"))
                                          for c in row if c.tag.endswith("}tc")))
    return "\n".join(out)


@pytest.fixture
def seed(tmp_path):
    ctx = prepare(_params(tmp_path))
    return ctx, _text(opinion_bytes(ctx), tmp_path)


def test_it_says_what_the_html_report_says(seed):
    ctx, text = seed
    ev = ctx.evaluation
    html = BeautifulSoup(sections.summary_html(ctx), "html.parser")
    verdict = verdict_text(ctx)
    assert verdict.replace(" ", "") == html.select_one("#se-verdict").get_text().replace(" ", "").replace("\n", "")
    assert verdict in text and "79.43 / 80.00" in verdict and "评级 优" in verdict
    for cause in conclusion.key_problems(ev):
        assert cause.title in text
    demands = conclusion.rectification(ev, ctx.rectify_by)
    assert demands and all(d.text in text for d in demands)
    # the HTML report's 整改要求 are the same demands, part by part
    html_text = BeautifulSoup(sections.assessment_html(ctx), "html.parser").get_text()
    assert all(part in html_text for d in demands for part in (d.cause, d.problem, d.action, d.deadline, d.report_back))
    assert "合计 |  | 80.00 | 80.00 | 79.43 | -0.57" in text  # the score table's total row
    assert conclusion.result_use(ev) in text


def test_the_fields_a_person_fills_come_from_the_params_file(seed):
    _, text = seed
    assert "苏财绩复〔2024〕17号" in text
    assert "期限：2024年6月30日前完成。" in text
    assert "复核人 | 示例复核人 | \u3000 | 2024-03-15" in text  # a full-width space keeps a signing cell tall
    assert "审核人 | 李审核" in text and "负责人 | 王负责" in text
    assert "关于电子政务项目运行维护资金2023年度绩效自评的复核意见" in text
    assert ("《2023年度苏州市级财政支出项目绩效自评表》填表说明；《2023年度苏州市级财政支出项目绩效评价共性指标》；"
            "“2023年度苏州市级财政支出项目绩效自评”评分规则") in text


def test_absent_fields_are_blanks_to_fill(tmp_path):
    text = _text(opinion_bytes(prepare(_params(tmp_path, extra=""))), tmp_path)
    # no date in the params: the ruleset's default period, counted from receiving the document
    assert f"文号：{BLANK}" in text and "期限：自收到本意见之日起30日内完成。" in text
    assert "审核人 | \u3000 | \u3000 | \u3000" in text and "负责人 | \u3000 | \u3000 | \u3000" in text


def test_a_reviewer_reads_no_finding_code(seed):
    _, text = seed
    assert "SE-" not in text and "line " not in text


def test_an_unsettled_rating_is_said_with_its_range(tmp_path, suzhou):
    from builders import clean_form, with_indicator

    from selfeval.assess.checks import review

    pending = with_indicator(clean_form(), "驻场运维周期", actual="情况复杂")  # 12.5 points wait
    ctx = ReportContext.of(review(pending, suzhou))
    text = _text(opinion_bytes(ctx), tmp_path)
    assert "待定（良或优）" in text and "64.38–76.88" in text
    assert "待复核人决定事项" in text and "评分" in text


def test_identical_reviews_give_identical_bytes(seed, tmp_path):
    ctx, _ = seed
    assert opinion_bytes(ctx) == opinion_bytes(ctx)


def test_the_analyst_writes_one_from_a_review_or_a_params_file(tmp_path):
    ev = selfeval.review(ROOT / "selfeval" / "examples" / "greening.txt")
    path = selfeval.write_opinion(ev, tmp_path / "greening.docx")
    text = _text(path.read_bytes(), tmp_path)
    assert ev.form.project_name in text and f"文号：{BLANK}" in text
    signed = selfeval.write_opinion(_params(tmp_path), tmp_path / "seed.docx")
    assert "苏财绩复〔2024〕17号" in _text(signed.read_bytes(), tmp_path)
    with pytest.raises(selfeval.SelfevalError, match=r"seed\.pdf: the 复核意见书 is written as \.docx"):
        selfeval.write_opinion(ev, tmp_path / "seed.pdf")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice and poppler are installed by .ci/run")
def test_it_opens_in_libreoffice_and_prints_small_tables_whole(tmp_path):
    docs = []
    for name in ("seed", "national_culture"):
        ctx = prepare(_params(tmp_path, name))
        path = tmp_path / f"{name}.docx"
        path.write_bytes(opinion_bytes(ctx))
        docs.append((ctx, path))
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    *(str(p) for _, p in docs)], check=True, capture_output=True, timeout=300)
    for ctx, path in docs:
        pdf = path.with_suffix(".pdf")
        pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                               text=True).stdout.split("\f")
        pages = [p for p in pages if p.strip()]
        whole = "".join(pages).replace(" ", "")
        assert verdict_text(ctx).replace(" ", "") in whole.replace("\n", "")
        # the cover table (5 rows) and the approval block (4 rows) each stand on one page, and the
        # approval block is on the last page
        cover = next(i for i, p in enumerate(pages) if "项目名称" in p)
        assert "复核日期" in pages[cover]
        assert "审核人" in pages[-1] and "负责人" in pages[-1] and "（财政部门盖章）" in pages[-1].replace(" ", "")
        assert KEEP_ROWS == 15


@pytest.mark.slow
def test_report_and_run_write_it_with_docx(tmp_path):
    from selfeval.cli import main

    params = tmp_path / "projects"
    params.mkdir()
    for name in ("seed", "greening"):
        _params(params, name)
    assert main(["report", str(params / "seed.yaml"), "--out", str(tmp_path / "one"), "--docx"]) == 0
    assert (tmp_path / "one" / "seed.docx").is_file() and (tmp_path / "one" / "seed.html").is_file()
    out = tmp_path / "all"
    assert main(["run", str(params), "--out", str(out), "--docx", "--no-portfolio"]) == 0
    assert {p.name for p in out.glob("*.docx")} == {"seed.docx", "greening.docx"}
    (out / "greening.docx").unlink()  # a missing document renders its project again
    from selfeval.batch.run import run_batch

    summary = run_batch(params, out, docx=True, portfolio=False)
    assert (summary.rendered, summary.skipped) == (1, 1) and (out / "greening.docx").is_file()
