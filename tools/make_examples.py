"""Generate the bundled example projects (selfeval/examples/ + params/) from the seed.

The examples are committed; rerun this only to change them:  python tools/make_examples.py
Each shows something a reviewer meets in practice: shortfalls with notes, text actuals awaiting
a manual score, an over-achieved target, a cost indicator written with ≥, broken sub-item sums,
and the encodings departments send (GB18030, UTF-16 with CRLF).
"""

from __future__ import annotations

import random
from decimal import Decimal as D
from pathlib import Path

from selfeval.form.values import parse_target
from selfeval.layouts.suzhou import dump_suzhou_text
from selfeval.loaders import dump_yaml, load_form
from selfeval.synth import vary

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "selfeval" / "examples"
PARAMS = ROOT / "params"


def _ind(form, name, **changes):
    inds = [i.model_copy(update=changes) if i.name == name else i for i in form.indicators]
    return form.model_copy(update={"indicators": inds})


def _rename(form, old, new, target=None):
    inds = []
    for i in form.indicators:
        if i.name == old:
            upd = {"name": new}
            if target:
                upd["target"] = parse_target(target)
            i = i.model_copy(update=upd)
        inds.append(i)
    return form.model_copy(update={"indicators": inds})


def _restate(form):
    total = sum((i.self_score or D(0) for i in form.indicators), D(0))
    return form.model_copy(update={"stated_total": total})


def main() -> None:
    seed = load_form(EX / "seed.txt")

    # 1. Eldercare (canonical YAML): shortfalls explained in deviation notes, one actual missing
    #    but explained (manual scoring), reviewer decisions inline in the params file.
    f = vary(seed, random.Random(11), 0)
    f = _rename(f, "服务站点数", "服务老年人数", ">=12000 人")
    f = _ind(f, "服务老年人数", actual="11200 人", self_score=D("4.58"),
             deviation_note="部分街道助餐点下半年才开放，服务人数未达目标。")
    f = _rename(f, "助老服务人员数", "助餐点建设数", ">=40 个")
    f = _ind(f, "助餐点建设数", actual="40 个", self_score=D("4.62"))
    f = _rename(f, "老年人满意度", "老年人满意度", ">=90%")
    f = _ind(f, "老年人满意度", actual=None, self_score=D("4.58"),
             explanation="满意度问卷于次年1月开展，结果尚未汇总。")
    f = _rename(f, "服务合同周期", "人均服务成本", "<=1500 元")
    f = _ind(f, "人均服务成本", actual="1620 元", self_score=D("4.58"))
    f = f.model_copy(update={"narrative": f.narrative.model_copy(update={
        "problems": "无", "recommendations": "暂无",
        "implementation": "全年新建助餐点40个，累计服务老年人11200人，问题处理率达 100%。"})})
    (EX / "eldercare.yaml").write_text(dump_yaml(_restate(f)), encoding="utf-8")
    (PARAMS / "eldercare.yaml").write_text(
        "# 社区居家养老: a canonical YAML form with shortfalls, a missing actual awaiting a manual\n"
        "# score, and the reviewer's decisions inline.\n"
        "form: ../selfeval/examples/eldercare.yaml\n"
        "reviewer: 李审核\n"
        "review_date: 2024-04-02\n"
        "decisions:\n"
        "  scores:\n"
        "    - indicator: 老年人满意度\n"
        "      score: 3.5\n"
        "      reason: 以第三方抽样调查（满意度86%）为依据人工评分\n"
        "narrative:\n"
        "  extra:\n"
        "    - title: 分析师补充\n"
        "      text: 建议次年将满意度调查前移至12月，避免评价时点缺少数据。\n",
        encoding="utf-8")

    # 2. Rural roads (GB18030 text export): a text actual, an over-achieved output, a cost
    #    indicator written with ≥; decisions in a separate file.
    f = vary(seed, random.Random(22), 1)
    f = _rename(f, "养护路段数", "养护里程", ">=300 公里")
    f = _ind(f, "养护里程", actual="420 公里", self_score=D("4.58"))
    f = _rename(f, "养护质量检查次数", "路面病害处治", "=100%")
    f = _ind(f, "路面病害处治", actual="完成", self_score=D("4.58"))
    f = _rename(f, "养护合同周期", "每公里养护成本", ">=1.2 万元")
    f = _ind(f, "每公里养护成本", actual="1.1 万元", self_score=D("4.58"))
    (EX / "rural_roads.txt").write_bytes(dump_suzhou_text(_restate(f)).encode("gb18030"))
    (EX / "rural_roads.decisions.yaml").write_text(
        "# Reviewer decisions for 农村公路养护资金\n"
        "reviewer: 王复核\n"
        "scores:\n"
        "  - indicator: 路面病害处治\n"
        "    score: 4.0\n"
        "    reason: 处治台账显示完成率约97%\n"
        "dismiss:\n"
        "  - finding: SE-PLAUS-COST-AT-LEAST\n"
        "    reason: 该指标实为养护投入强度下限，目标方向无误\n",
        encoding="utf-8")
    (PARAMS / "rural_roads.yaml").write_text(
        "# 农村公路养护: GB18030 text export, decisions in their own file.\n"
        "form: ../selfeval/examples/rural_roads.txt\n"
        "decisions: ../selfeval/examples/rural_roads.decisions.yaml\n"
        "reviewer: 王复核\n"
        "review_date: 2024-04-03\n",
        encoding="utf-8")

    # 3. School repairs (UTF-16 with BOM and CRLF, like Excel's "Unicode 文本"): sub-items that
    #    do not add up to their 合计 — an arithmetic error the review must report, not crash on.
    f = vary(seed, random.Random(33), 2)
    items = list(f.sub_items)
    items[0] = items[0].model_copy(update={"budget": items[0].budget + D(10)})
    f = f.model_copy(update={"sub_items": items})
    text = dump_suzhou_text(_restate(f)).replace("\n", "\r\n")
    (EX / "school_repairs.txt").write_bytes(text.encode("utf-16"))
    (PARAMS / "school_repairs.yaml").write_text(
        "# 中小学校舍维修: UTF-16 text export whose sub-items do not add up.\n"
        "form: ../selfeval/examples/school_repairs.txt\n"
        "reviewer: 张复核\n"
        "review_date: 2024-04-05\n",
        encoding="utf-8")

    # 4. Greening (UTF-8 text export): an ordinary variant, spending well below budget.
    f = vary(seed, random.Random(44), 4)
    (EX / "greening.txt").write_text(dump_suzhou_text(_restate(f)), encoding="utf-8")
    (PARAMS / "greening.yaml").write_text(
        "# 城市绿化养护: an ordinary UTF-8 text export.\n"
        "form: ../selfeval/examples/greening.txt\n"
        "reviewer: 张复核\n"
        "review_date: 2024-04-06\n",
        encoding="utf-8")
    print("examples written")


if __name__ == "__main__":
    main()
