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
from selfeval.report.sections import reviewer_places

ROOT = Path(__file__).resolve().parents[2]
# the bundled examples, the corpus of published forms (its .yaml files are their expected readings)
# and the published web pages, Word documents and PDFs
FORMS = sorted([*(ROOT / "selfeval" / "examples").glob("*.txt"), *(ROOT / "tests" / "corpus").glob("*.txt"),
                *(p for p in (ROOT / "tests" / "published").iterdir() if p.suffix in (".html", ".docx", ".pdf"))])
BEFORE_APPENDIX = ("summary_html", "goals_html", "money_html", "indicators_html", "findings_html", "assessment_html",
                   "narrative_html")
MACHINE = re.compile(r"\bSE-[A-Z]|\b(line|row|column) \d+")


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
