"""Which ruleset scores a form: explicit, by what the form states, never changed by a new file in
silence; user rulesets folders; edits picked up; params paths relative to the params file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from selfeval.assess.choice import ruleset_for
from selfeval.assess.rulesets import ENV, available_rulesets, load_ruleset
from selfeval.cli import main
from selfeval.errors import ParamsError, RulesetError
from selfeval.loaders import load_form
from selfeval.params import load_params
from selfeval.pipeline import evaluate, evaluate_params

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "selfeval" / "examples" / "seed.txt"
SHIPPED = ROOT / "selfeval" / "rulesets"
D = Decimal


def city_copy(folder: Path, name: str, regions: list[str] | None = None, threshold: str = "6") -> Path:
    """suzhou-2023.yaml under another name with one threshold changed (the issue's experiment)."""
    text = (SHIPPED / "suzhou-2023.yaml").read_text(encoding="utf-8")
    text = text.replace("name: suzhou-2023", f"name: {name}").replace(
        "    shortfall_deduction: 5   # % of the weight", f"    shortfall_deduction: {threshold}   # % of the weight")
    if regions:  # the copy's regions replace Suzhou's, as docs/rules.md says
        text = text.replace("  regions: [苏州]\n", f"  regions: [{', '.join(regions)}]\n", 1)
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def user_rules(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    monkeypatch.setenv(ENV, str(folder))
    return folder


def test_the_seed_is_scored_by_suzhou_2023():
    ev = evaluate(SEED)
    assert ev.ruleset.name == "suzhou-2023" and ev.review_total == D("79.43")


def test_a_copy_that_applies_to_the_same_forms_is_a_loud_error(user_rules):
    city_copy(user_rules, "wuxi-2023")
    with pytest.raises(RulesetError) as err:
        evaluate(SEED)
    message = str(err.value)
    assert "2 rulesets apply to this form" in message and "suzhou-2023" in message and "wuxi-2023" in message
    assert str(user_rules / "wuxi-2023.yaml") in message


def test_a_regional_copy_leaves_the_seed_alone_and_scores_its_own_forms(user_rules, tmp_path):
    city_copy(user_rules, "wuxi-2023", regions=["无锡"])
    ev = evaluate(SEED)
    assert ev.ruleset.name == "suzhou-2023" and ev.review_total == D("79.43")
    wuxi_form = tmp_path / "wuxi.txt"
    wuxi_form.write_text(SEED.read_text(encoding="utf-8").replace("苏州市", "无锡市"), encoding="utf-8")
    assert evaluate(wuxi_form).ruleset.name == "wuxi-2023"
    # params region: names it for a form that does not say
    assert evaluate(SEED, region="无锡").ruleset.name == "wuxi-2023"
    assert evaluate(SEED, region="无锡").review_total != D("79.43")  # its one changed threshold shows


def test_no_ruleset_applies_says_why_for_each(user_rules):
    form = load_form(SEED).model_copy(update={"layout": "national"})
    form = form.model_copy(update={"budget_weight": D(30),
                                   "capabilities": form.capabilities.model_copy(update={"budget_row": True})})
    with pytest.raises(RulesetError) as err:
        ruleset_for(form)
    message = str(err.value)
    assert "no ruleset applies to this form" in message
    assert "suzhou-2023: layout national not in suzhou" in message
    assert "national-2020: budget_weight 30 not 10、未填" in message


def test_a_year_no_ruleset_covers_falls_back_to_the_nearest_earlier_and_says_so():
    form = load_form(SEED).model_copy(update={"year": 2025})
    ev = evaluate_form(form)
    assert ev.ruleset.name == "suzhou-2023"
    assert "SE-PLAUS-YEAR" in {f.code for f in ev.findings}


def evaluate_form(form):
    from selfeval.assess.checks import review

    return review(form, ruleset_for(form))


def test_editing_a_ruleset_file_is_picked_up_on_the_next_call(user_rules):
    path = city_copy(user_rules, "edit-2023", regions=["某地"])
    assert load_ruleset("edit-2023").rules["output"].shortfall_deduction == D(6)
    path.write_text(path.read_text(encoding="utf-8").replace("shortfall_deduction: 6", "shortfall_deduction: 7"),
                    encoding="utf-8")
    assert load_ruleset("edit-2023").rules["output"].shortfall_deduction == D(7)
    assert load_ruleset(path).rules["output"].shortfall_deduction == D(7)


def test_a_user_ruleset_cannot_shadow_a_shipped_name(user_rules):
    city_copy(user_rules, "suzhou-2023")
    with pytest.raises(RulesetError, match="ruleset 'suzhou-2023' is defined twice"):
        load_ruleset("suzhou-2023")


def test_a_file_whose_name_differs_from_its_file_is_refused_by_name(user_rules):
    path = city_copy(user_rules, "a-2023", regions=["甲"])
    path.rename(user_rules / "b-2023.yaml")
    assert "b-2023" in available_rulesets()
    with pytest.raises(RulesetError, match="name: 'a-2023' differs from the file name 'b-2023'"):
        load_ruleset("b-2023")


def test_params_ruleset_path_is_relative_to_the_params_file(tmp_path):
    rules = city_copy(tmp_path / "rules", "mine-2023", regions=["某地"])
    params_dir = tmp_path / "params"
    params_dir.mkdir()
    p = params_dir / "p.yaml"
    p.write_text(f"form: {SEED}\nruleset: ../rules/{rules.name}\n", encoding="utf-8")
    rp, ev = evaluate_params(p)
    assert rp.ruleset == str(rules.resolve()) and rules.resolve() in rp.input_files()
    assert ev.ruleset.name == "mine-2023"
    p.write_text(f"form: {SEED}\nruleset: ../rules/none.yaml\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"p.yaml: ruleset: ruleset file '../rules/none.yaml' not found"):
        load_params(p)
    p.write_text(f"form: {SEED}\nruleset: nonesuch\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"p.yaml: ruleset: unknown ruleset 'nonesuch'; known rulesets: "):
        load_params(p)


def test_cli_rulesets_folder_and_region(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(ENV, "")  # restored after the test, whatever main() sets
    city_copy(tmp_path / "rules", "wuxi-2023", regions=["无锡"])
    assert main(["score", str(SEED), "--rulesets", str(tmp_path / "rules"), "--region", "无锡"]) == 0
    assert "评分规则 wuxi-2023" in capsys.readouterr().out


def test_the_reports_rule_text_follows_the_values():
    from selfeval.report.sections import rules_text

    rs = load_ruleset("suzhou-2023")
    outcome = rs.rules["outcome"].model_copy(update={"full_to": D(150), "overachieved_warning": D(160)})
    changed = rs.with_options(rules={**{k: v.model_dump() for k, v in rs.rules.items()},
                                     "outcome": outcome.model_dump()})
    text = "；".join(rules_text(changed))
    assert "效益、满意度：完成100%~150%得满分" in text and "超过150%的每超1%扣权重的1%" in text
    assert "完成160%以上且无说明的提请复核" in text and "100%~200%" not in text


def test_bare_targets_take_the_chosen_rulesets_comparator(tmp_path):
    from selfeval.assess.checks import review

    form = load_form(SEED)
    i = next(n for n, ind in enumerate(form.indicators) if ind.target.kind == "quantitative")
    bare = form.indicators[i].model_copy(update={"target": form.indicators[i].target.model_copy(
        update={"bare": True, "comparator": "equal"})})
    form = form.model_copy(update={"indicators": [*form.indicators[:i], bare, *form.indicators[i + 1:]]})
    rs = load_ruleset("suzhou-2023")
    assert review(form, rs).form.indicators[i].target.comparator == "equal"
    assert review(form, rs.with_options(bare_target_comparator="at_least")).form.indicators[i].target.comparator \
        == "at_least"


def test_a_place_in_the_project_name_does_not_switch_the_ruleset(user_rules, tmp_path):
    city_copy(user_rules, "wuxi-2023", regions=["无锡"])
    form = tmp_path / "mentions.txt"
    form.write_text(SEED.read_text(encoding="utf-8").replace("电子政务项目运行维护资金", "苏州无锡跨市专线运行维护资金"),
                    encoding="utf-8")
    ev = evaluate(form)
    assert ev.form.project_name.startswith("苏州无锡") and ev.ruleset.name == "suzhou-2023"


def test_a_region_no_ruleset_names_is_refused(user_rules):
    city_copy(user_rules, "wuxi-2023", regions=["无锡"])
    assert evaluate(SEED, region="无锡市").ruleset.name == "wuxi-2023"  # 无锡市 names 无锡
    with pytest.raises(RulesetError, match=r"region '火星': no ruleset is for it \(regions the rulesets name: 无锡, 湖北, 苏州\)"):
        evaluate(SEED, region="火星")


def test_a_regional_ruleset_of_another_year_does_not_beat_one_for_the_forms_year(user_rules):
    wuhan = ROOT / "tests" / "corpus" / "hubei_2020_wuhan_fishing_ban_2080.txt"
    text = (SHIPPED / "hubei-2020.yaml").read_text(encoding="utf-8").replace("name: hubei-2020", "name: wuhan-2025")
    text = text.replace("  years: [2020, 2021, 2022, 2023, 2024, 2025]\n", "  years: [2025]\n").replace(
        "  regions: [湖北]", "  regions: [区市场]")
    (user_rules / "wuhan-2025.yaml").write_text(text, encoding="utf-8")
    assert evaluate(wuhan).ruleset.name == "hubei-2020"  # the form is of 2020
    form = load_form(wuhan).model_copy(update={"year": 2025})
    assert ruleset_for(form).name == "wuhan-2025"


def test_a_misspelt_layout_in_a_ruleset_is_refused(user_rules):
    text = (SHIPPED / "suzhou-2023.yaml").read_text(encoding="utf-8").replace("name: suzhou-2023", "name: x-2023")
    (user_rules / "x-2023.yaml").write_text(text.replace("layouts: [suzhou]", "layouts: [suzou]"), encoding="utf-8")
    with pytest.raises(RulesetError, match=r"x-2023.yaml: applies_to.layouts: no layout suzou; known: suzhou, national"):
        load_ruleset("x-2023")


def test_the_listing_shows_a_broken_file_and_the_rest(user_rules, capsys):
    (user_rules / "broken-2023.yaml").write_text("name: [\n", encoding="utf-8")
    assert main(["rulesets"]) == 0
    out = capsys.readouterr().out
    assert "broken-2023" in out and "（无法使用）" in out and "suzhou-2023" in out


def test_a_relative_rulesets_folder_is_made_absolute(tmp_path, monkeypatch, capsys):
    import os

    monkeypatch.setenv(ENV, "")
    city_copy(tmp_path / "rules", "wuxi-2023", regions=["无锡"])
    monkeypatch.chdir(tmp_path)
    assert main(["score", str(SEED), "--rulesets", "rules", "--region", "无锡"]) == 0
    assert os.environ[ENV].split(os.pathsep)[0] == str((tmp_path / "rules").resolve())


def test_the_listing_shows_year_gaps(user_rules, capsys):
    text = (SHIPPED / "suzhou-2023.yaml").read_text(encoding="utf-8").replace("name: suzhou-2023", "name: gap-2023")
    text = text.replace("  years: [2023]\n", "  years: [2021, 2023]\n", 1).replace("  regions: [苏州]", "  regions: [某地]")
    (user_rules / "gap-2023.yaml").write_text(text, encoding="utf-8")
    assert main(["rulesets"]) == 0
    out = capsys.readouterr().out
    assert "年度 2021、2023" in out and "年度 2020–2025" in out
