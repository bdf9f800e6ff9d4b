"""What a reviewer reads before the appendix is Chinese: no finding code, no `line 17` (the
appendix may list codes and reading notes)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

import selfeval
from selfeval.errors import FormError
from selfeval.report import sections
from selfeval.report.context import ReportContext
from selfeval.report.wording import reviewer_places

ROOT = Path(__file__).resolve().parents[2]
# the bundled examples, the corpus of published forms (its .yaml files are their expected readings)
# and the published web pages, Word documents and PDFs
FORMS = sorted([*(ROOT / "selfeval" / "examples").glob("*.txt"), *(ROOT / "tests" / "corpus").glob("*.txt"),
                *(p for p in (ROOT / "tests" / "published").iterdir() if p.suffix in (".html", ".docx", ".pdf"))])
BEFORE_APPENDIX = ("summary_html", "goals_html", "money_html", "indicators_html", "history_html", "findings_html",
                   "assessment_html", "narrative_html")
MACHINE = re.compile(r"\bSE-[A-Z]|\b(line|row|column|page|table) \d+|\bNone\b|national-|suzhou-|hubei-|扣减权重")


@pytest.mark.parametrize("form", FORMS, ids=lambda p: p.name)
def test_no_code_or_line_number_before_the_appendix(form):
    try:
        ev = selfeval.review(form)
    except FormError as exc:  # the corpus keeps forms selfeval refuses (a 部门整体 form, no indicators)
        pytest.skip(f"refused by design: {exc}")
    ctx = ReportContext.of(ev)
    text = " ".join(BeautifulSoup(getattr(sections, name)(ctx), "html.parser").get_text(" ")
                    for name in BEFORE_APPENDIX)
    assert [text[max(0, m.start() - 30):m.end() + 10] for m in MACHINE.finditer(text)] == []
    appendix = BeautifulSoup(sections.appendix_html(ctx), "html.parser").get_text(" ")
    assert all(f.code in appendix for f in ev.findings)  # the codes are still there, after 附录


def test_places_read_as_chinese():
    assert reviewer_places("line 17, column 3: 权重") == "第17行第3列: 权重"
    assert reviewer_places("row 4 and column 2; line 9") == "第4行 and 第2列; 第9行"
    assert reviewer_places("online 5 lines") == "online 5 lines"
    assert reviewer_places("page 2, table 1, line 3: 权重") == "第2页第1表, 第3行: 权重"
    assert reviewer_places("table 4, row 20") == "第4表, 第20行"


@pytest.mark.parametrize("form", sorted((ROOT / "selfeval" / "examples").glob("*.txt")), ids=lambda p: p.name)
def test_the_opinion_document_reads_as_chinese_too(form, tmp_path):
    from docx import Document

    from selfeval.report.opinion import opinion_bytes

    path = tmp_path / "o.docx"
    path.write_bytes(opinion_bytes(ReportContext.of(selfeval.review(form))))
    doc = Document(str(path))
    text = " ".join([p.text for p in doc.paragraphs]
                    + [c.text for t in doc.tables for row in t.rows for c in row.cells])
    assert [text[max(0, m.start() - 30):m.end() + 10] for m in MACHINE.finditer(text)] == []


def test_demands_name_what_by_when_and_never_repeat_across_causes():
    from selfeval.report.conclusion import rectification

    for form in sorted((ROOT / "selfeval" / "examples").glob("*.txt")):
        demands = rectification(selfeval.review(form))
        texts = [d.text for d in demands]
        assert len(set(texts)) == len(texts) and len({d.cause for d in demands}) == len(demands)
        for d in demands:
            assert d.subject and d.problem and d.action and "日内完成" in d.deadline, (form.name, d)
            assert d.problem not in {x.problem for x in demands if x is not d}
