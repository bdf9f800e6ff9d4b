"""The `selfeval` command line: score, review, schema, convert; exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
import yaml

from selfeval.cli import main
from selfeval.loaders import load_form

D = Decimal

REQUIRED_TOP = {
    "project_name",
    "year",
    "ruleset",
    "self_total",
    "review_total",
    "rating",
    "provisional",
    "indicators",
    "findings",
}
REQUIRED_INDICATOR = {
    "category",
    "name",
    "weight",
    "target",
    "actual",
    "self_score",
    "rescore",
    "review_score",
}
REQUIRED_FINDING = {"code", "severity", "message"}


def run(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


# --- score -------------------------------------------------------------------------------------


def test_score_prints_the_table(capsys, seed_path):
    rc, out, err = run(capsys, "score", seed_path)
    assert rc == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("电子政务项目运行维护资金　2023年")
    assert "满分 80" in out
    assert "自评 80.00　重算 80.00　复核 79.43　评级 优" in out
    header = next(line for line in lines if line.startswith("类别"))
    assert header.split() == [
        "类别",
        "指标名称",
        "目标值",
        "权重",
        "实际完成值",
        "自评分",
        "重算分",
        "复核分",
    ]
    [row] = [line for line in lines if "资金到位率" in line]
    assert row.split()[-3:] == ["1.00", "1.00", "0.43"]  # scores always 2 decimals
    assert len([line for line in lines if line.startswith(("决策", "过程", "产出", "效益", "满意度"))]) == 23


def test_score_json(capsys, seed_path):
    rc, out, err = run(capsys, "score", seed_path, "--json")
    assert rc == 0 and err == ""
    doc = json.loads(out)
    assert set(doc) >= REQUIRED_TOP
    assert doc["project_name"] == "电子政务项目运行维护资金"
    assert doc["year"] == 2023 and doc["ruleset"] == "suzhou-2023"
    assert doc["self_total"] == 80 and doc["review_total"] == 79.43
    assert doc["rating"] == "优" and doc["provisional"] is False
    assert len(doc["indicators"]) == 23
    for ind in doc["indicators"]:
        assert set(ind) >= REQUIRED_INDICATOR, ind["name"]
    assert {ind["category"] for ind in doc["indicators"]} == {
        "decision",
        "process",
        "output",
        "outcome",
        "satisfaction",
    }
    [funding] = [i for i in doc["indicators"] if i["name"] == "资金到位率"]
    assert (funding["target"], funding["actual"], funding["self_score"]) == ("=100%", "100%", 1)
    assert (funding["rescore"], funding["review_score"]) == (1, 0.43)
    assert doc["findings"]
    for f in doc["findings"]:
        assert set(f) >= REQUIRED_FINDING
        assert f["severity"] in ("error", "warning", "info")
    assert "SE-RATE-MISMATCH" in {f["code"] for f in doc["findings"]}


def test_score_json_numbers_print_exactly(capsys, seed_path):
    _, out, _ = run(capsys, "score", seed_path, "--json")
    assert '"review_total": 79.43,' in out
    assert '"weight": 4.58,' in out and '"weight": 4.62,' in out
    assert not re.search(r"\d\.\d*?(9999|0000)\d", out), "binary-float noise in the JSON"
    doc = json.loads(out, parse_float=Decimal)
    assert doc["review_total"] == D("79.43")
    assert doc["rates"]["funding_rate"] == D("88.6538")
    assert doc["rates"]["execution_rate"] == D("88.6462")
    weights = [i["weight"] for i in doc["indicators"]]
    assert weights.count(D("4.58")) == 11 and weights.count(D("4.62")) == 1
    assert sum(D(str(w)) for w in weights) == 80


def test_score_with_ruleset_name(capsys, seed_path):
    rc, out, _ = run(capsys, "score", seed_path, "--ruleset", "suzhou-2023", "--json")
    assert rc == 0 and json.loads(out)["review_total"] == 79.43


# --- review ------------------------------------------------------------------------------------


def test_review_groups_findings_by_severity_and_exits_0(capsys, seed_path):
    rc, out, err = run(capsys, "review", seed_path)
    assert rc == 0 and err == ""  # findings are results, not failures
    assert "错误（" not in out
    assert "警告（7）" in out and "提示（3）" in out
    assert out.index("警告（7）") < out.index("提示（3）")
    warnings = out[out.index("警告（7）") : out.index("提示（3）")]
    infos = out[out.index("提示（3）") :]
    for code in ("SE-RATE-MISMATCH", "SE-EXEC-SUBITEM-LOW", "SE-IND-FORMULAIC", "SE-EXEC-SCORE-GAP"):
        assert code in warnings
    for code in ("SE-RATE-ALT-BASIS", "SE-PLAUS-QUAL-AS-PERCENT", "SE-NARR-NUMBER-MISMATCH"):
        assert code in infos
    assert "88.65%" in warnings and "265.92" in warnings
    # the indicators whose review score differs from the self-score
    assert "复核分与自评分不同的指标" in out and "按资金数据重算" in out


def test_review_shows_errors_first(capsys, tmp_path, seed_path):
    text = seed_path.read_text(encoding="utf-8").replace("2077.78\t265.92\t265.92", "2077.78\t265.93\t265.92")
    bad = tmp_path / "seed_bad_balance.txt"
    bad.write_text(text, encoding="utf-8")
    rc, out, _ = run(capsys, "review", bad)
    assert rc == 0
    assert "错误（1）" in out and "SE-ARITH-QUOTA-BALANCE" in out
    assert out.index("错误（1）") < out.index("警告（")


def test_review_json(capsys, seed_path):
    rc, out, _ = run(capsys, "review", seed_path, "--json")
    assert rc == 0
    doc = json.loads(out)
    assert doc["finding_counts"] == {"error": 0, "warning": 7, "info": 3}
    sev = [f["severity"] for f in doc["findings"]]
    assert sev == sorted(sev, key=["error", "warning", "info"].index)


def test_review_with_decisions_file(capsys, tmp_path, seed_path):
    dec = tmp_path / "decisions.yaml"
    dec.write_text(
        "reviewer: 王审核\nscores:\n  - indicator: 资金到位率\n    score: 0.5\n    reason: 按拨款口径\n"
        "dismiss:\n  - finding: SE-IND-FORMULAIC\n    reason: 合同约定值\n",
        encoding="utf-8",
    )
    rc, out, _ = run(capsys, "review", seed_path, "--decisions", dec)
    assert rc == 0
    assert "复核 79.50" in out
    assert "[已撤销：王审核，合同约定值]" in out
    assert "复核人评分" in out


def test_review_with_a_bad_decisions_file_exits_1(capsys, tmp_path, seed_path):
    dec = tmp_path / "decisions.yaml"
    dec.write_text(
        "reviewer: 王审核\nscores:\n  - indicator: 资金拨付率\n    score: 0.5\n    reason: r\n",
        encoding="utf-8",
    )
    rc, out, err = run(capsys, "review", seed_path, "--decisions", dec)
    assert rc == 1 and out == ""
    assert err.startswith("selfeval: error: ") and str(dec) in err and "资金拨付率" in err
    assert "Traceback" not in err


# --- errors and usage --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("bad.txt", "hello\tworld\n", "expected a 自评表"),
        ("bad.yaml", "project_name: 测试\nyear: 二〇二三\n", "year"),
        ("bad2.yaml", "project_name: [unclosed\n", "YAML"),
        ("empty.txt", "", "an empty file"),
    ],
)
def test_broken_form_exits_1_without_traceback(capsys, tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    for command in ("score", "review"):
        rc, out, err = run(capsys, command, path)
        assert rc == 1, command
        assert out == ""
        assert err.startswith("selfeval: error: ") and str(path) in err
        assert expected in err
        assert "Traceback" not in err


def test_missing_form_exits_1(capsys, tmp_path):
    rc, _, err = run(capsys, "score", tmp_path / "nope.txt")
    assert rc == 1 and "nope.txt" in err and "an existing file" in err


def test_unknown_ruleset_exits_1(capsys, seed_path):
    rc, out, err = run(capsys, "score", seed_path, "--ruleset", "atlantis-2099")
    assert rc == 1 and out == ""
    assert "unknown ruleset 'atlantis-2099'" in err and "suzhou-2023" in err


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["score"],
        ["frobnicate"],
        ["convert", "x.txt"],
        ["convert", "x.txt", "--to", "pdf"],
        ["score", "x.txt", "--no-such-flag"],
    ],
)
def test_bad_usage_exits_2(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "usage: selfeval" in capsys.readouterr().err


# --- schema and convert ------------------------------------------------------------------------


def test_schema(capsys, seed_path, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    rc, out, _ = run(capsys, "schema")
    assert rc == 0
    schema = json.loads(out)
    assert schema["type"] == "object"
    assert {"project_name", "year", "indicators", "money", "sub_items", "narrative"} <= set(
        schema["properties"]
    )
    jsonschema.Draft202012Validator.check_schema(schema)
    # the canonical YAML of the seed is valid under it
    run(capsys, "convert", seed_path, "--to", "yaml", "--out", tmp_path / "seed.yaml")
    data = yaml.safe_load((tmp_path / "seed.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)


def test_convert_to_yaml_round_trips(capsys, seed_path, seed_form, tmp_path):
    out_path = tmp_path / "seed.yaml"
    rc, out, err = run(capsys, "convert", seed_path, "--to", "yaml", "--out", out_path)
    assert rc == 0 and err == ""
    assert out.strip() == str(out_path)
    back = load_form(out_path)
    assert back.provenance.loader == "yaml"
    assert back.content() == seed_form.content()


def test_converted_yaml_scores_the_same(capsys, seed_path, tmp_path):
    out_path = tmp_path / "seed.yaml"
    run(capsys, "convert", seed_path, "--to", "yaml", "--out", out_path)
    _, text_json, _ = run(capsys, "score", seed_path, "--json")
    _, yaml_json, _ = run(capsys, "score", out_path, "--json")
    a, b = json.loads(text_json), json.loads(yaml_json)
    assert a["review_total"] == b["review_total"] == 79.43
    assert a["indicators"] == b["indicators"]


def test_convert_refuses_to_overwrite_its_input(capsys, tmp_path, seed_path):
    src = tmp_path / "seed.yaml"
    run(capsys, "convert", seed_path, "--to", "yaml", "--out", src)
    before = src.read_bytes()
    rc, _, err = run(capsys, "convert", src, "--to", "yaml")
    assert rc == 1 and "refusing to overwrite" in err
    assert src.read_bytes() == before


def test_convert_to_xlsx(capsys, seed_path, tmp_path):
    out_path = tmp_path / "seed.xlsx"
    rc, _, _ = run(capsys, "convert", seed_path, "--to", "xlsx", "--out", out_path)
    assert rc == 0 and out_path.exists()


def test_broken_xlsx_form_exits_1(capsys, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"not a workbook")
    rc, _, err = run(capsys, "score", path)
    assert rc == 1 and str(path) in err


# --- the README's command table and every --help ---------------------------------------------------


def _readme_usage() -> dict[str, str]:
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(selfeval (\w+)[^`]*)` \|", text, re.M)
    return {command: usage for usage, command in rows}


def _subparsers():
    import argparse

    from selfeval.cli import build_parser

    action = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices


def test_readme_table_lists_every_command_and_option():

    usage = _readme_usage()
    commands = _subparsers()
    assert sorted(usage) == sorted(commands)
    import argparse

    for name, parser in commands.items():
        # a command with actions of its own (history add|show|render): their options too
        parsers = [parser, *(p for a in parser._actions if isinstance(a, argparse._SubParsersAction)
                             for p in a.choices.values())]
        options = {o for p in parsers for a in p._actions for o in a.option_strings
                   if o.startswith("--") and o != "--help"}
        missing = sorted(o for o in options if f"[{o}" not in usage[name] and f" {o} " not in usage[name])
        assert not missing, f"README row for {name} lacks {missing}"
        for word in usage[name].replace("\\|", "|").split():
            if word.strip("[").startswith("--"):
                assert word.strip("[]").split("]")[0] in options, f"README row for {name}: {word} is not an option"


def test_every_subcommand_help_has_examples_that_parse(capsys):
    from selfeval.cli import EXAMPLES, build_parser

    assert sorted(EXAMPLES) == sorted(_subparsers())
    for name in EXAMPLES:
        with pytest.raises(SystemExit):
            main([name, "--help"])
        out = capsys.readouterr().out
        assert "examples:" in out and all(line in out for line in EXAMPLES[name])
        for line in EXAMPLES[name]:  # each example is a valid command line
            words = line.split(">")[0].split()[1:]
            build_parser().parse_args(words)


def test_report_given_a_form_says_it_takes_a_params_file(capsys):
    import selfeval

    assert main(["report", str(selfeval.example_folder() / "seed.txt")]) == 1
    err = capsys.readouterr().err
    assert "report takes a params file" in err and "selfeval review" in err and "form: seed.txt" in err
