"""docs/rules.md "Add a city's ruleset", step by step, as a newcomer with an installed package does it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from selfeval.assess.rulesets import ENV
from selfeval.cli import main

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "selfeval" / "examples" / "seed.txt"


def test_add_a_city_ruleset_as_the_docs_say(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(ENV, "")
    # 1. a folder for your rulesets
    rules = tmp_path / "selfeval-rules"
    rules.mkdir()
    # 2. start from the closest shipped ruleset
    assert main(["rulesets", "--show", "suzhou-2023"]) == 0
    (rules / "wuxi-2023.yaml").write_text(capsys.readouterr().out, encoding="utf-8")
    # 3. edit the copy: name and title, a region, the values that differ
    text = (rules / "wuxi-2023.yaml").read_text(encoding="utf-8")
    text = text.replace("name: suzhou-2023", "name: wuxi-2023").replace(
        "title: 2023年度苏州市级财政支出项目绩效自评", "title: 2023年度无锡市级财政支出项目绩效自评")
    text = text.replace("  regions: [苏州]", "  regions: [无锡]", 1)
    text = text.replace("    shortfall_deduction: 5   # % of the weight", "    shortfall_deduction: 6   # % of the weight", 1)
    (rules / "wuxi-2023.yaml").write_text(text, encoding="utf-8")
    # 4. tell selfeval where the folder is
    monkeypatch.setenv(ENV, str(rules))
    # 5. check: listed with its region; used for 无锡 forms and with --region; Suzhou unchanged
    assert main(["rulesets"]) == 0
    listing = capsys.readouterr().out
    assert "wuxi-2023" in listing and "地区 无锡" in listing
    wuxi = tmp_path / "wuxi.txt"
    wuxi.write_text(SEED.read_text(encoding="utf-8").replace("苏州市", "无锡市"), encoding="utf-8")
    assert main(["review", str(wuxi), "--json"]) == 0
    assert '"ruleset": "wuxi-2023"' in capsys.readouterr().out
    assert main(["score", str(SEED), "--region", "无锡"]) == 0
    assert "评分规则 wuxi-2023" in capsys.readouterr().out
    assert main(["score", str(SEED), "--json"]) == 0
    out = capsys.readouterr().out
    assert '"ruleset": "suzhou-2023"' in out and str(Decimal("79.43")) in out
