"""Refusals tell the truth: a form of another kind is refused as what it is, recognised by what it
holds whatever its title, with one message per cause."""

from __future__ import annotations

import pytest

from selfeval.errors import FormError
from selfeval.form.model import Provenance
from selfeval.loaders import parse_grid
from selfeval.loaders.text import text_to_grid


def refusal(text: str) -> str:
    with pytest.raises(FormError) as info:
        parse_grid(text_to_grid(text, "x.txt"), Provenance(path="x.txt"))
    return str(info.value)


DEPARTMENT = """某县农业农村局2023年度支出绩效自评表
部门\t某县农业农村局
年度主要任务\t任务名称\t主要内容\t预算金额
\t农田建设\t建设高标准农田\t1200
部门职责\t负责全县农业农村工作
整体绩效目标\t完成年度各项任务
一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分
产出指标\t数量指标\t建设面积\t≥5万亩\t5.2万亩\t10\t10
"""

OTHER_SCHEME = """某项目绩效评价评分表
一级指标\t二级指标\t三级指标\t分值\t评分标准\t自评分\t复核分
项目决策\t项目立项\t立项依据充分性\t4\t依据充分得4分\t4\t4
项目管理\t资金管理\t资金到位率\t5\t到位率×5\t5\t4.5
项目绩效\t项目产出\t完成数量\t10\t按完成比例得分\t10\t9
"""


def test_a_department_wide_form_is_recognised_by_what_it_holds():
    # its title names the unit's 支出, not 部门整体; its rows are a department's
    message = refusal(DEPARTMENT)
    assert "部门整体支出绩效自评表" in message and "department-wide" in message
    assert "项目资金" not in message and "missing" not in message


def test_a_scoring_table_of_another_scheme_is_refused_as_one():
    message = refusal(OTHER_SCHEME)
    assert "绩效评价评分表" in message and "another evaluation scheme" in message
    assert "项目名称" not in message


def test_the_seed_instructions_naming_other_words_are_no_signature(seed_form):
    assert seed_form.project_name  # the seed's 填表说明 prose names 决策/过程 and stays a project form


def test_a_missing_level1_is_said_once():
    from pathlib import Path

    from selfeval.layouts.national import dump_national_text
    from selfeval.loaders import load_form

    text = dump_national_text(load_form(Path(__file__).resolve().parents[2] / "selfeval/examples/national_farmland.txt"))
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("绩效指标\t")) + 1
    for i in range(start, start + 5):  # no 一级, and 二级 cells the template does not know
        cells = lines[i].split("\t")
        cells[1], cells[2] = "", ("其他" if cells[2] else "")
        lines[i] = "\t".join(cells)
    message = refusal("\n".join(lines))
    assert message.count("a 一级指标 for the first indicator") == 1
