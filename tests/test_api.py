"""The analyst's API at the top level: `selfeval.load`, `selfeval.review`, `review_folder`, …"""

from __future__ import annotations

import importlib
import importlib.util
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pandas as pd
import pytest

import selfeval
from selfeval.assess.rulesets import load_ruleset

EXAMPLES = Path(selfeval.__file__).parent / "examples"


def test_dir_is_the_public_api_and_every_name_is_documented():
    assert dir(selfeval) == sorted(selfeval.__all__)
    for name in selfeval.__all__:
        if name != "__version__":
            assert getattr(selfeval, name).__doc__, name


def test_no_public_name_is_a_submodule():
    # `selfeval.review` must stay the function even after every submodule is imported
    for name in selfeval.__all__:
        assert importlib.util.find_spec(f"selfeval.{name}") is None, name
    importlib.import_module("selfeval.assess.checks")  # the review checks' module has a `review` too
    assert callable(selfeval.review) and selfeval.review.__module__ == "selfeval.api"


def test_import_is_light():
    # the command line imports the package: the API must not load pandas or the scoring stack
    out = subprocess.run([sys.executable, "-c", "import sys, selfeval; print('pandas' in sys.modules, "
                          "'selfeval.assess.scoring' in sys.modules)"], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        selfeval.nonsense  # noqa: B018


@pytest.mark.parametrize("how", ["path", "str", "form", "name", "file", "object"])
def test_review_takes_a_form_or_path_and_a_ruleset_name_file_or_object(how):
    seed = EXAMPLES / "seed.txt"
    rs_file = Path(selfeval.__file__).parent / "rulesets" / "suzhou-2023.yaml"
    ev = {"path": lambda: selfeval.review(seed), "str": lambda: selfeval.review(str(seed)),
          "form": lambda: selfeval.review(selfeval.load(seed)),
          "name": lambda: selfeval.review(seed, "suzhou-2023"),
          "file": lambda: selfeval.review(seed, rs_file),
          "object": lambda: selfeval.review(selfeval.load(seed), load_ruleset("suzhou-2023"))}[how]()
    assert isinstance(ev, selfeval.Evaluation)
    assert (ev.ruleset.name, ev.review_total, ev.rating) == ("suzhou-2023", D("79.43"), "优")


def test_review_refuses_what_it_cannot_use():
    with pytest.raises(selfeval.SelfevalError, match="expected a Form or a path"):
        selfeval.review(42)
    with pytest.raises(selfeval.SelfevalError, match=r"not-a-ruleset"):
        selfeval.review(EXAMPLES / "seed.txt", "not-a-ruleset")
    with pytest.raises(selfeval.SelfevalError, match=r"national-2020 is for national forms"):
        selfeval.review(EXAMPLES / "seed.txt", "national-2020")
    with pytest.raises(selfeval.SelfevalError, match="sheet and layout apply to a form file"):
        selfeval.review(selfeval.load(EXAMPLES / "seed.txt"), sheet="Sheet1")


def test_review_params_is_the_params_files_project():
    ev = selfeval.review_params(EXAMPLES / "seed.params.yaml")
    assert ev.review_total == D("79.43") and ev.form.project_name == "电子政务项目运行维护资金"


def test_reprs_are_short_and_say_what_matters():
    ev = selfeval.review(EXAMPLES / "seed.txt")
    assert repr(ev) == ("<Evaluation '电子政务项目运行维护资金' 2023 ruleset=suzhou-2023 self=80.00 "
                        f"review=79.43/80 优 findings={len(ev.findings)}>")
    assert repr(ev.form) == "<Form '电子政务项目运行维护资金' 2023 '苏州市信息中心' layout=suzhou indicators=23>"


def _folder(tmp_path: Path) -> Path:
    for name in ("seed.txt", "greening.txt", "national_farmland.txt"):
        (tmp_path / name).write_bytes((EXAMPLES / name).read_bytes())
    (tmp_path / "broken.txt").write_text("这不是自评表\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("# not a form\n", encoding="utf-8")
    (tmp_path / ".~lock.seed.txt#").write_text("lock", encoding="utf-8")
    return tmp_path


def test_review_folder_gives_one_numeric_row_per_form_and_keeps_failures(tmp_path):
    table = selfeval.review_folder(_folder(tmp_path))
    assert list(table["file"]) == ["broken.txt", "greening.txt", "national_farmland.txt", "seed.txt"]
    for column in ("full_marks", "self_total", "review_total", "difference", "execution_rate", "budget"):
        assert table[column].dtype == float, column
    seed = table.set_index("file").loc["seed.txt"]
    assert (seed["review_total"], seed["rating"], seed["self_rating"], seed["ruleset"]) == (79.43, "优", "优",
                                                                                            "suzhou-2023")
    assert seed["execution_rate"] == pytest.approx(88.65, abs=0.01)
    broken = table.set_index("file").loc["broken.txt"]
    assert "broken.txt" in broken["error"] and pd.isna(broken["review_total"])
    assert table["error"].notna().sum() == 1
    # the analyst's arithmetic works on it
    assert table["difference"].sum() == pytest.approx(-0.57 - 8.00 - 2.17)
    zh = selfeval.review_folder(tmp_path, lang="zh")
    assert {"文件", "项目名称", "自评总分", "复核总分", "自评评级", "复核评级", "错误信息"} <= set(zh.columns)


def test_review_folder_by_indicator(tmp_path):
    table = selfeval.review_folder(_folder(tmp_path), indicators=True)
    assert table.columns[:3].tolist() == ["file", "project_name", "category"]
    seed = table[table["file"] == "seed.txt"]
    assert len(seed) == 23 and seed["review_score"].dtype == float
    assert seed["review_score"].sum() == pytest.approx(79.43, abs=0.005)
    assert table[table["file"] == "broken.txt"]["error"].notna().all()


def test_review_folder_refuses_a_missing_folder_and_a_bad_lang(tmp_path):
    with pytest.raises(selfeval.SelfevalError, match="not a folder"):
        selfeval.review_folder(tmp_path / "nope")
    with pytest.raises(selfeval.SelfevalError, match="lang"):
        selfeval.review_folder(_folder(tmp_path), lang="fr")


def test_portfolio_collect_takes_a_string(tmp_path):
    from selfeval.batch.portfolio import collect

    records, errors = collect(str(_folder(tmp_path)))
    assert len(records) == 3 and len(errors) == 1 and errors[0].startswith("broken.txt")


def test_list_rulesets():
    table = selfeval.list_rulesets()
    assert {"suzhou-2023", "national-2020", "hubei-2020"} <= set(table["name"])
    suzhou = table.set_index("name").loc["suzhou-2023"]
    assert suzhou["layouts"] == ["suzhou"] and 2023 in suzhou["years"] and suzhou["full_marks"] == 80.0


def test_use_chinese_font_sets_up_matplotlib():
    from matplotlib import font_manager, rcParams

    family = selfeval.use_chinese_font()
    assert rcParams["font.family"][0] == family or family in rcParams["font.sans-serif"]
    found = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    assert "Noto" in Path(found).name or "noto" in found.lower()
