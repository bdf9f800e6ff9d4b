"""The national layout (财政部 项目支出绩效自评表, rules.md §2) and its common variant.

Two shapes of the same form, both read label-anchored from a `Grid` (text export or workbook):

- the template: funds rows 年度资金总额 / 其中：本年财政拨款 / 上年结转资金 / 其他资金 with columns
  年初预算数, 全年预算数 (A), 全年执行数 (B), 分值, 执行率, 得分; indicator columns 一级 / 二级 /
  三级指标, 年度指标值, 实际完成值, 分值, 得分, 偏差原因分析及改进措施;
- the common variant (Sichuan and others): funds columns 年初预算, 调整后预算, 预算执行数,
  预算执行率, 权重, 得分, 原因; indicator columns with 指标性质 (=, ≥, ≤, 定性), 指标值 and 度量单位
  split out, 权重 and 原因.

Published forms leave 完成值 and 得分 blank, write "/" or "—" for not applicable (read as blank)
and close with a 合计 / 总分 row. The money block maps onto the model as the glossary says: the
年度资金总额 row gives `initial_budget`, `full_year_budget` (A) and `executed` (B); each funding
source becomes a `SubItem` (budget = its A, actual = its B, initial_budget = its 年初预算数).

`dump_national_text` writes a form back in either shape (fixtures, examples, round trips).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from selfeval.errors import FormError
from selfeval.form.labels import LABELS
from selfeval.form.model import (
    SHIPPED_CAPABILITIES,
    Category,
    Form,
    Indicator,
    MoneyBlock,
    Narrative,
    Provenance,
    SubItem,
)
from selfeval.form.values import Target, format_decimal, normalize, parse_decimal, parse_target
from selfeval.layouts.base import Detection, Layout
from selfeval.layouts.parsing import GridParser, category_of, read_narrative
from selfeval.layouts.reader import (
    Grid,
    assign_columns,
    header_fields,
    header_key,
    is_note,
    is_number,
    is_placeholder,
    label_key,
    missing_column,
    points,
)

_LETTERS_RE = re.compile(r"[(（]\s*([A-Z])\s*(?:/\s*([A-Z]))?\s*[)）]")


def _letters(header: str) -> tuple[str, ...]:
    """The letters a funds header carries: 年初预算数(A) → ('A',), 执行率(B/A) → ('B', 'A')."""
    m = _LETTERS_RE.search(normalize(header).upper())
    return tuple(x for x in m.groups() if x) if m else ()


_FULL_MARKS_RE = re.compile(r"[(（]\s*\d+(?:\.\d+)?\s*分\s*[)）]")  # a label's printed points

Variant = Literal["template", "common"]
VARIANT_NAMES = {"template": "财政部模板", "common": "通用变体（指标性质、指标值、度量单位分列）"}

_YEAR = re.compile(r"((?:19|20)\d\d)\s*年度?")
_FORMULA_POINTS = re.compile(r"(\d+(?:\.\d+)?)分[*×x]执行率")  # 得分(20分*执行率)


def _na_words(labels: dict) -> set[str]:
    return {normalize(x) for x in labels["national"]["not_applicable"]}


def _clean(text: str | None, na: set[str] | None = None) -> str:
    """The cell's text as written (trimmed), or "" when blank or "not applicable" ("/", "—")."""
    return "" if normalize(text) in (_NA if na is None else na) else str(text or "").strip()


def _cell(row: list[str], j: int | None) -> str:
    return row[j] if j is not None and 0 <= j < len(row) else ""


@lru_cache(maxsize=16)
def _prefixes(prefix: str) -> tuple[str, str]:
    p = normalize(prefix)
    return p, p.rstrip(":")


def _source_name(text: str, labels: dict = LABELS) -> str:
    """A funding source's name without the 其中： that introduces the first one."""
    s = normalize(text)
    for p in _prefixes(labels["national"]["funds"]["source_prefix"]):
        if s.startswith(p):
            return s[len(p):].strip()
    return s


def _funds_totals(labels: dict = LABELS) -> set[str]:
    return {label_key(w) for w in labels["national"]["funds"]["total"]}


_NA = _na_words(LABELS)


def detect(grid: Grid, labels: dict = LABELS) -> Detection:
    """The national form's landmarks: a funds total row (年度资金总额 / 总额), 三级指标, 一级指标 and a
    funds header with 全年预算数 and 全年执行数 (or their synonyms)."""
    keys = grid.keys()
    n = labels["national"]
    totals = _funds_totals(labels)
    found, missing = [], []
    checks = [
        ("年度资金总额", any(label_key(_source_name(k, labels)) in totals for k in keys)),
        ("三级指标", bool(keys & {header_key(w) for w in n["indicators"]["name"]})),
        ("一级指标", bool(keys & {header_key(w) for w in n["indicators"]["level1"]})),
        ("全年执行数", bool(keys & {header_key(w) for w in n["funds"]["columns"]["executed"]})),
    ]
    for label, ok in checks:
        (found if ok else missing).append(label)
    confidence = len(found) / len(checks)
    if "三级指标" not in found:  # without its indicator table it is some other form
        confidence = min(confidence, 0.4)
    return Detection(confidence, tuple(found), tuple(missing))


@dataclass
class _NationalParser(GridParser):
    bare: str = "equal"
    funds_headers: dict[str, str] = field(default_factory=dict)  # field → the header the form uses
    headers: dict[str, str] = field(default_factory=dict)  # same for the indicator table
    skipped: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
    inferred: list[str] = field(default_factory=list)  # 一级 labels the template's hierarchy gave
    columns: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.N = self.L["national"]
        self.na = _na_words(self.L)
        # looked up on every row: folded once per parse
        self.parents = {label_key(k): v for k, v in self.L["level2_parents"].items()}
        self.natures = {normalize(w): v for w, v in self.N["nature"].items()}
        self.comparators = {normalize(w): v for w, v in self.L["comparators"].items()}

    def clean(self, text: str | None) -> str:
        return _clean(text, self.na)

    # -- helpers ---------------------------------------------------------------------------------
    def parent_of(self, level2: str) -> str | None:
        """The 一级 the national template puts a 二级 under (labels.yaml `level2_parents`), else None."""
        if not normalize(level2):
            return None
        return self.parents.get(label_key(_FULL_MARKS_RE.sub("", level2)))

    def number(self, raw: str, i: int, j: int | None, what: str) -> Decimal | None:
        """A value cell's number; one that cannot be read is not stated (and said), never a refusal."""
        text = self.clean(raw)
        if not text:
            return None
        try:
            value = parse_decimal(text)
        except ValueError as exc:
            self.degrade(i, j, what, raw.strip(), f"数字、空白或“/”（{exc}）")
            return None
        if value < 0:  # no amount, weight, score or rate of this form is negative
            self.degrade(i, j, what, raw.strip(), "不小于0的数")
            return None
        return value

    def rate(self, raw: str, i: int, j: int | None, what: str) -> Decimal | None:
        """A rate cell: "91.67%" → 91.67; a bare fraction ≤ 1 (a %-formatted workbook cell) × 100."""
        text = self.clean(raw)
        if not text:
            return None
        if text.endswith("%"):
            return self.number(text[:-1], i, j, what)
        value = self.number(text, i, j, what)
        if value is not None and value <= 1:
            self.notes.append(f"{what}：{text} 按 {format_decimal(value * 100)}% 读取")
            return value * 100
        return value

    # -- header ----------------------------------------------------------------------------------
    def header(self, stop: int) -> dict[str, object]:
        out: dict[str, object] = {}
        every_label = {label_key(x) for labels in self.L["header"].values() for x in labels}
        for fld, labels in self.L["header"].items():
            keys = {label_key(x) for x in labels}
            hit = next(((i, j) for i, row in self.rows(0, stop) for j, c in enumerate(row)
                        if c and label_key(c) in keys), None)
            if hit is None:
                continue
            i, j = hit
            row = self.grid.rows[i]
            value = next(((c.strip(), jj) for jj, c in enumerate(row) if jj > j and normalize(c)), None)
            if value is None or label_key(value[0]) in every_label:
                if fld == "project_name":
                    self.problem(i, j, labels[0], "", "a value right of the label")
                continue
            if fld == "year":
                m = _YEAR.fullmatch(normalize(value[0]).replace(" ", "")) or re.fullmatch(
                    r"((?:19|20)\d\d)", normalize(value[0]))
                if m:
                    out["year"] = int(m.group(1))
                else:
                    self.problem(i, value[1], labels[0], value[0], "a four-digit year such as 2023")
                    out["year"] = 0
                continue
            out[fld] = value[0]
        if "project_name" not in out and not any(p.field == "项目名称" for p in self.problems):
            self.problem(None, None, "project_name", "", "a cell labelled 项目名称")
        if "year" not in out:
            # The template states the year in its title: （2023年度）
            for _, row in self.rows(0, stop):
                for c in row:
                    m = _YEAR.search(normalize(c))
                    if m:  # a title such as 部门预算项目支出绩效自评表(2023年度)
                        out["year"] = int(m.group(1))
                        break
                if "year" in out:
                    break
            else:
                self.problem(None, None, "year", "", "a title such as （2023年度） or a cell labelled 年度")
        return out

    # -- funds -----------------------------------------------------------------------------------
    def funds(self) -> tuple[dict, int, int]:
        """Read the funds block; returns (values, first row of the block, next row)."""
        spec = self.N["funds"]
        columns = {fld: {label_key(w) for w in words} for fld, words in spec["columns"].items()}
        header_i = None
        cols: dict[str, int] = {}
        for i, row in self.rows():
            found = {}
            for j, c in enumerate(row):
                key = header_key(c) if c else ""
                for fld, words in columns.items():
                    if key in words and fld not in found:
                        found[fld] = j
            if ("full_year_budget" not in found and "initial_budget" in found and "executed" in found
                    and "rate" in found and _letters(row[found["rate"]]) == ("B", "A")
                    and _letters(row[found["initial_budget"]]) == ("A",)):
                # the header's letters say the rate is B/A over 年初预算数(A): the form's own basis
                found["full_year_budget"] = found["initial_budget"]
                self.notes.append(f"执行率：按表头“{row[found['rate']].strip()}”以“{row[found['initial_budget']].strip()}”"
                                  "为分母（表中无全年预算数列）")
            if "full_year_budget" in found and "executed" in found:
                header_i, cols = i, found
                self.funds_headers = {fld: header_key(row[j]) for fld, j in found.items()}
                break
        if header_i is None:
            self.problem(None, None, "项目资金", "", "a header row with 全年预算数 (or 调整后预算) and "
                         "全年执行数 (or 预算执行数)")
            return {}, 0, 0
        first_value_col = min(cols.values())
        label = label_key(spec["label"])
        totals = _funds_totals(self.L)
        stops = {label_key(self.N["goal"]["label"]), *(label_key(w) for w in self.N["indicators"]["name"]), "绩效指标"}
        out: dict = {"sources": []}
        end = len(self.grid.rows)  # the row after the table
        for k, row, cells in self.grid.walk(header_i + 1):
            keys = {label_key(c) for _, c in cells}
            if keys & stops or any(x.startswith(s) for x in keys for s in stops):
                end = k
                break
            names = [(j, c) for j, c in cells if j < first_value_col and not label_key(c).startswith(label)
                     and label_key(c) not in {label_key(w) for w in spec["name_headers"]}]
            if not names:
                if any(j >= first_value_col for j, _ in cells):
                    self.problem(k, cells[0][0], "项目资金", cells[0][1].strip(),
                                 "a row name such as 年度资金总额 or 上年结转资金 left of the amounts")
                continue
            name_col, name = names[-1]
            values = self._fund_values(row, cols, k, name)
            if label_key(_source_name(name, self.L)) in totals:
                if "total" in out:
                    self.problem(k, name_col, "项目资金", name.strip(), "one 年度资金总额 row")
                out["total"] = values
            else:
                out["sources"].append((_source_name(name, self.L), values, k))
        if "total" not in out:
            self.problem(header_i, None, "项目资金", "no 年度资金总额 row", "a 年度资金总额 row below the header")
        elif "weight" not in cols:  # no 分值 column: the block's label (预算执行情况(万元)(20分)) or the
            # score's formula (得分(20分*执行率)) may state it
            header = self.grid.rows[header_i]
            stated = [(c.strip(), points(c)) for j, c in enumerate(header) if j < first_value_col and points(c)]
            stated += [(c.strip(), Decimal(m.group(1))) for c in header if (m := _FORMULA_POINTS.search(label_key(c)))]
            if stated:
                out["total"]["weight"] = stated[0][1]
                self.notes.append(f"预算执行分值：按表头“{stated[0][0]}”读作{format_decimal(stated[0][1])}分")
        return out, header_i, end

    def _fund_values(self, row: list[str], cols: dict[str, int], k: int, name: str) -> dict:
        values: dict = {}
        for fld, j in cols.items():
            raw = _cell(row, j)
            label = f"{_source_name(name, self.L)} {self.funds_headers[fld]}"  # as the form's header says
            if fld == "note":
                values[fld] = self.clean(raw) or None
            elif fld == "rate":
                values[fld] = self.rate(raw, k, j, label)
            elif fld in ("weight", "score"):
                values[fld] = self.number(raw, k, j, label)
            else:  # amounts: the block is in 万元, and a cell may say so again (372.29万元)
                text = self.clean(raw)
                values[fld] = self.number(text.removesuffix("万元") if is_number(text.removesuffix("万元")) else raw,
                                          k, j, label)
        return values

    # -- 年度总体目标 ---------------------------------------------------------------------------
    def goal(self, start: int, stop: int) -> dict[str, str]:
        spec = self.N["goal"]
        label = label_key(spec["label"])
        hit = next(((i, j) for i, row in self.rows(start, stop) for j, c in enumerate(row)
                    if c and label_key(c).startswith(label)), None)
        if hit is None:
            return {}
        gi, gj = hit
        expected, achieved = {label_key(w) for w in spec["expected"]}, {label_key(w) for w in spec["achieved"]}
        ecol = acol = None
        hdr = gi
        for i, row in self.rows(gi, min(gi + 2, stop)):
            for j, c in enumerate(row):
                if c and label_key(c) in expected:
                    ecol, hdr = j, i
                elif c and label_key(c) in achieved:
                    acol, hdr = j, i
        parts: dict[str, list[str]] = {"annual_goal": [], "implementation": []}
        for i, row in self.rows(hdr + 1, stop):
            cells = [(j, c.strip()) for j, c in enumerate(row) if normalize(c) and not (i == gi and j == gj)]
            if not cells:
                continue
            if ecol is not None or acol is not None:
                e, a = _cell(row, ecol).strip(), _cell(row, acol).strip()
                if not e and not a:
                    e = cells[0][1]
                    a = cells[1][1] if len(cells) > 1 else ""
            else:
                e, a = cells[0][1], (cells[1][1] if len(cells) > 1 else "")
            if e:
                parts["annual_goal"].append(e)
            if a:
                parts["implementation"].append(a)
        return {k: "".join(v) for k, v in parts.items() if v}

    # -- indicators ------------------------------------------------------------------------------
    def _indicator_header(self, start: int) -> tuple[int, dict[str, int]] | None:
        spec = self.N["indicators"]
        for i, row in self.rows(start):
            cols = assign_columns(row, spec, skip=("total",))
            if "name" in cols and "target" in cols:
                if i > start:  # a two-row header: 实际完成值 / 分值 / 得分 merged over the row above
                    for fld, j in assign_columns(self.grid.rows[i - 1], spec, skip=("total",)).items():
                        if fld not in cols and j not in cols.values():
                            cols[fld] = j
                return i, cols
        return None

    def indicators(self, start: int) -> tuple[list[Indicator], dict, int, str]:
        found = self._indicator_header(start)
        meta: dict = {}
        if found is None:
            self.problem(None, None, "绩效指标", "", "a header row with 三级指标 and 年度指标值 (or 指标值)")
            return [], meta, len(self.grid.rows), "template"
        hi, cols = found
        self.headers = {fld: header_key(self.grid.rows[hi][j] or self.grid.cell(hi - 1, j)) for fld, j in cols.items()}
        # A two-row header's merged cell sits in the row above: name the row the text is in.
        self.columns = [f"{self.grid.where(hi if self.grid.cell(hi, j).strip() else hi - 1, j)}: "
                        f"{self.headers[fld]} → {fld}" for fld, j in sorted(cols.items(), key=lambda p: p[1])]
        variant: Variant = "common" if "nature" in cols else "template"
        # An actuals column under a header nobody knows would score every indicator 0: refuse.
        missing = [f for f in ("level1", "actual") if f not in cols]
        header_row = [self.grid.cell(hi, j) or (self.grid.cell(hi - 1, j) if hi else "")
                      for j in range(len(self.grid.rows[hi]))]  # a two-row header's upper half too
        for required in missing:
            self.problem(hi, None, "绩效指标 header", " | ".join(c.strip() for c in header_row if c.strip()),
                         missing_column(self.N["indicators"][required], header_row, set(cols.values())))
        if missing:
            return [], meta, hi + 1, variant
        totals = {label_key(w) for w in self.N["indicators"]["total"]}
        ends = {label_key(v) for v in self.L["narrative"].values()} | {label_key(h) for h in self.L["headings"]}
        name_col = cols["name"]
        level1 = level2 = None
        category: Category | None = None
        bad_category = False
        in_notes = False
        rows: list[tuple[int, dict]] = []
        end = len(self.grid.rows)  # the row after the table
        for k, row, cells in self.grid.walk(hi + 1):
            first_key = label_key(cells[0][1])
            if first_key in totals and cells[0][0] < name_col:
                self._total_row(row, k, cols, meta)
                end = k + 1
                break
            if first_key in ends or any(first_key.startswith(e + ":") for e in ends):
                end = k
                break
            if in_notes or (cells[0][0] <= cols["level1"] and is_note(cells[0][1], self.L)
                            and category_of(cells[0][1], self.L) is None):
                # Notes under the table (说明 | 无, 注:…, 填报人): said, and the walk goes on only
                # to find a 总分 row below them.
                in_notes = True
                shown = " ".join(c.strip() for _, c in cells)[:60]
                self.skipped.append(f"{self.grid.where(k)}: {shown}（表下说明）")
                continue
            l1 = _cell(row, cols["level1"])
            l2 = _cell(row, cols.get("level2"))
            parent = self.parent_of(l2) if l2 else None  # the 一级 the template puts this 二级 under
            if normalize(l1):
                level1, level2 = l1.strip(), None
                category = category_of(l1, self.L)
                if category is None and parent is not None:  # 「(50分)」: the points kept, the label lost
                    category = category_of(parent, self.L)
                    self.inferred.append(f"{self.grid.where(k, cols['level1'])}: 一级指标“{l1.strip()}”按二级指标"
                                         f"“{l2.strip()}”推定为{parent}")
                bad_category = category is None
                if category is None:
                    self.problem(k, cols["level1"], "一级指标", l1.strip(),
                                 "产出指标 / 效益指标 / 满意度指标 (or 成本指标)")
            elif parent is not None and category is not None and category_of(parent, self.L) != category:
                # an empty (merged) 一级 cell would carry the row above into a 二级 that belongs elsewhere
                self.inferred.append(f"{self.grid.where(k, cols['level1'])}: 空白的一级指标按二级指标"
                                     f"“{l2.strip()}”推定为{parent}")
                category, level1 = category_of(parent, self.L), parent
            elif category is None and parent is not None:  # the first rows have no 一级 at all
                category, level1, bad_category = category_of(parent, self.L), parent, False
                self.inferred.append(f"{self.grid.where(k, cols['level1'])}: 空白的一级指标按二级指标"
                                     f"“{l2.strip()}”推定为{parent}")
            if normalize(l2):
                level2 = l2.strip()
            name = _cell(row, name_col).strip()
            values = [self.clean(_cell(row, cols.get(f))) for f in ("weight", "self_score", "actual")]
            breakdown = normalize(name).startswith("其中") and "weight" in cols and not values[0] and not values[1]
            if name and (breakdown or (not any(values) and is_placeholder(name, self.L))):
                why = "模板占位行" if is_placeholder(name, self.L) else "“其中”分项行，无分值"
                self.skipped.append(f"{self.grid.where(k)}: {name}（{why}）")
                continue
            if not name:
                others = [j for j, _ in cells if j not in (cols["level1"], cols.get("level2"))
                          and j > cols["level1"]]
                if others:
                    self.problem(k, name_col, "三级指标", "", "an indicator name")
                elif normalize(l2):
                    self.skipped.append(f"{self.grid.where(k)}: {l2.strip()}（二级指标下无三级指标）")
                continue
            if category is None:
                if not bad_category:  # said once, for the first row it covers
                    self.problem(k, cols["level1"], "一级指标", "", "a 一级指标 for the first indicator "
                                 "(or a 二级指标 the national template places under one)")
                    bad_category = True
                continue
            rows.append((k, self._indicator_row(row, k, cols, name, category, level1, level2)))
        self._unread_columns(hi, cols, end)
        out = [fields for _, fields in rows if fields is not None]
        if not rows and not self.problems:
            self.problem(hi, None, "绩效指标", "no indicator rows", "at least one indicator")
        inds = [Indicator(**f) for f in out] if not self.problems else []
        return inds, meta, end, variant

    def _unread_columns(self, hi: int, cols: dict[str, int], stop: int) -> None:
        """Header cells right of 一级指标 that no field claims, and that hold values below: said, not
        dropped (a column of actuals under an unknown header would otherwise score every indicator 0)."""
        claimed = set(cols.values())
        width = max((len(self.grid.rows[n]) for n in range(hi, stop)), default=0)
        for j in range(cols["level1"] + 1, width):
            if j in claimed:
                continue
            held = [self.grid.cell(n, j).strip() for n in range(hi + 1, stop) if self.clean(self.grid.cell(n, j))]
            if held:
                head = self.grid.cell(hi, j).strip() or (self.grid.cell(hi - 1, j).strip() if hi else "")
                shown = "、".join(held[:3]) + ("…" if len(held) > 3 else "")
                self.unread.append(f"{self.grid.where(hi, j)}: {head or '（无表头）'}（{len(held)}个值未读取：{shown}）")

    def _indicator_row(self, row, k, cols, name, category, level1, level2) -> dict | None:
        unit = self.clean(_cell(row, cols.get("unit")))
        target_text = self.clean(_cell(row, cols["target"]))
        composed = target_text
        if "nature" in cols:
            nature = self.clean(_cell(row, cols["nature"]))
            composed = self._compose_target(nature, target_text, unit, k, cols["nature"], name)
        if composed is None:  # an unreadable 指标性质: said by _compose_target
            target = Target(kind="unreadable", raw=normalize(f"{nature}{target_text}{unit}"))
        else:
            try:
                target = parse_target(composed, self.bare)  # type: ignore[arg-type]
            except ValueError as exc:  # one cell: the indicator waits for the reviewer
                self.degrade(k, cols["target"], f"{name} {self.headers['target']}", composed, str(exc))
                target = Target(kind="unreadable", raw=normalize(composed))
        actual = self.clean(_cell(row, cols.get("actual"))) or None
        if actual and unit and is_number(actual):
            actual = f"{actual}{unit}"  # the variant's 度量单位 applies to the actual too
        return dict(
            category=category, name=name, target=target,
            weight=self.number(_cell(row, cols.get("weight")), k, cols.get("weight"),
                               f"{name} {self.headers.get('weight', '分值')}"),
            actual=actual,
            self_score=self.number(_cell(row, cols.get("self_score")), k, cols.get("self_score"),
                                   f"{name} {self.headers.get('self_score', '得分')}"),
            level1=level1, level2=level2,
            deviation_note=self.clean(_cell(row, cols.get("deviation_note"))) or None,
            row=self.grid.numbers[k],
        )

    def _compose_target(self, nature: str, value: str, unit: str, k: int, col: int, name: str) -> str | None:
        """指标性质 + 指标值 + 度量单位 → one target text ("≥" "95" "%" → "≥95%")."""
        if not nature:
            return f"{value}{unit}" if value and unit and not value.endswith(unit) else value
        kind = self.natures.get(normalize(nature)) or self.comparators.get(normalize(nature))
        if kind is None:  # one cell: the indicator's target cannot be read and it waits
            self.degrade(k, col, f"{name} {self.headers['nature']}", nature, "=、≥、≤、>、< 或 定性")
            return None
        if kind == "qualitative":
            return value
        if not value:
            return ""
        symbol = self.L["comparator_symbols"][kind]
        body = value if not unit or value.endswith(unit) else f"{value}{unit}"
        return f"{symbol}{body}"

    def _total_row(self, row: list[str], k: int, cols: dict[str, int], meta: dict) -> None:
        """合计 / 总分: 分值 → full marks, 得分 → stated total (values may sit one column off)."""
        nums = [(j, parse_decimal(self.clean(c))) for j, c in enumerate(row) if is_number(self.clean(c))]
        wcol, scol = cols.get("weight"), cols.get("self_score")
        for j, value in nums:
            if scol is not None and j == scol:
                meta["stated_total"] = value
            elif wcol is not None and j == wcol:
                meta["full_marks"] = value
        rest = [(j, v) for j, v in nums if j not in (wcol, scol)]
        if rest and len(nums) == 2 and not meta:
            meta["full_marks"], meta["stated_total"] = nums[0][1], nums[1][1]
            self.notes.append("总分：两个数值与表头错位，按顺序读作分值、得分")
        elif rest and len(nums) == 1 and not meta:
            meta["stated_total"] = nums[0][1]
            self.notes.append("总分：只有一个数值，读作表中总得分")


def parse(grid: Grid, provenance: Provenance, labels: dict = LABELS, bare: str = "equal") -> Form:
    """Parse a national-layout grid (either variant) into a `Form`, or raise `FormError`."""
    p = _NationalParser(grid, bare=bare, L=labels)
    funds, funds_start, after_funds = p.funds()
    head = p.header(funds_start or len(grid.rows))
    found = p._indicator_header(after_funds)
    table_start = found[0] if found else len(grid.rows)
    goal = p.goal(after_funds, table_start)
    indicators, meta, after_table, variant = p.indicators(after_funds)
    narrative = read_narrative(grid, after_table, labels)
    if p.problems:
        raise FormError(p.problems)
    total = funds.get("total", {})
    sources = [
        SubItem(name=name, initial_budget=v.get("initial_budget"), budget=v.get("full_year_budget"),
                actual=v.get("executed"), row=grid.numbers[k])
        for name, v, k in funds.get("sources", [])
    ]
    money = MoneyBlock(initial_budget=total.get("initial_budget"), full_year_budget=total.get("full_year_budget"),
                       executed=total.get("executed"), stated_execution_rate=total.get("rate"))
    story = narrative.model_dump()
    for fld, text in goal.items():
        story[fld] = story.get(fld) or text
    notes = [f"全国模板：{VARIANT_NAMES[variant]}", *p.notes]
    prov = provenance.model_copy(update={"notes": [*provenance.notes, *notes],
                                         "skipped": [*provenance.skipped, *p.skipped],
                                         "unread": p.unread, "columns": p.columns, "degraded": p.degraded,
                                         "inferred": p.inferred})
    return Form(
        **header_fields(head),
        layout=NATIONAL.name,
        capabilities=NATIONAL.capabilities.model_copy(update={"note_column": "deviation_note" in p.headers}),
        full_marks=meta.get("full_marks"),
        stated_total=meta.get("stated_total"),
        money=money,
        sub_items=sources,
        indicators=indicators,
        narrative=Narrative(**story),
        budget_weight=total.get("weight"),
        budget_self_score=total.get("score"),
        budget_note=total.get("note"),
        provenance=prov,
    )


# --- writing -------------------------------------------------------------------------------------

_LEVEL1 = {Category.output: "产出指标", Category.outcome: "效益指标", Category.satisfaction: "满意度指标",
           Category.input: "投入指标", Category.decision: "决策指标", Category.process: "过程指标"}


def _rate_text(value: Decimal | None) -> str:
    return "" if value is None else f"{format_decimal(value)}%"


def _split_target(t: Target) -> tuple[str, str, str]:
    """A target as (指标性质, 指标值, 度量单位) for the common variant."""
    if t.kind == "quantitative" and t.value is not None:
        return LABELS["comparator_symbols"][t.comparator or "equal"], format_decimal(t.value), t.unit
    if t.kind == "qualitative":
        return "定性", t.raw, ""
    return "", t.raw, ""


def _split_actual(actual: str | None, unit: str) -> str:
    """The actual without the unit the 度量单位 column already gives ("12个" → "12")."""
    text = normalize(actual)
    if unit and text.endswith(unit) and is_number(text[: -len(unit)].strip()):
        return text[: -len(unit)].strip()
    return text


def variant_of(form: Form) -> Variant:
    """The variant a form was read from (its provenance says), else the one that holds all of it:
    the template has no place for the funds row's 原因 (`budget_note`)."""
    if any(VARIANT_NAMES["common"] in n for n in form.provenance.notes) or form.budget_note:
        return "common"
    return "template"


def dump_national_text(form: Form, variant: Variant | None = None) -> str:
    """The form as a national 项目支出绩效自评表 tab-separated text export.

    `variant` "template" is the 财政部 template; "common" splits 指标性质 / 指标值 / 度量单位 and
    uses 调整后预算 / 预算执行数 / 预算执行率 / 权重 / 原因; None keeps the form's own (`variant_of`).
    Blank cells stay blank; the funding sources' 分值 and 得分 are "—" as on the printed template.
    """
    variant = variant or variant_of(form)
    m = form.money
    common = variant == "common"
    width = 11 if common else 9
    rows: list[list[str]] = [["项目支出绩效自评表"], [f"（{form.year}年度）"]]
    rows.append(["项目名称", form.project_name])
    rows.append(["主管部门", form.department or "", "", "实施单位", form.implementing_unit or ""])
    if common:
        rows.append(["项目资金（万元）", "资金来源", "年初预算", "调整后预算", "预算执行数", "预算执行率", "权重",
                     "得分", "原因"])
    else:
        rows.append(["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"])
    executed = m.executed if m.executed is not None else m.paid
    amounts = ["", "年度资金总额", format_decimal(m.initial_budget), format_decimal(m.full_year_budget), format_decimal(executed)]
    rate, weight, score = _rate_text(m.stated_execution_rate), format_decimal(form.budget_weight), format_decimal(form.budget_self_score)
    if common:  # 预算执行率, 权重, 得分, 原因
        rows.append([*amounts, rate, weight, score, form.budget_note or ""])
    else:  # 分值, 执行率, 得分
        rows.append([*amounts, weight, rate, score])
    for n, s in enumerate(form.sub_items):
        name = f"其中：{s.name}" if n == 0 else s.name
        rows.append(["", name, format_decimal(s.initial_budget), format_decimal(s.budget), format_decimal(s.actual), "—", "—", "—"])
    narrative = form.narrative
    rows.append(["年度总体目标", "预期目标", "", "", "", "实际完成情况"])
    rows.append(["", narrative.annual_goal or "", "", "", "", narrative.implementation or ""])
    if common:
        rows.append(["绩效指标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "实际完成值",
                     "权重", "得分", "原因"])
    else:
        rows.append(["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                     "偏差原因分析及改进措施"])
    last_l1 = last_l2 = None
    for ind in form.indicators:
        l1 = ind.level1 or _LEVEL1[ind.category]
        shown_l1 = l1 if l1 != last_l1 else ""
        l2 = ind.level2 or ""
        shown_l2 = l2 if (l2 != last_l2 or shown_l1) else ""
        last_l1, last_l2 = l1, l2
        if common:
            nature, value, unit = _split_target(ind.target)
            rows.append(["", shown_l1, shown_l2, ind.name, nature, value, unit, _split_actual(ind.actual, unit),
                         format_decimal(ind.weight), format_decimal(ind.self_score), ind.deviation_note or ""])
        else:
            rows.append(["", shown_l1, shown_l2, ind.name, ind.target.raw, ind.actual or "", format_decimal(ind.weight),
                         format_decimal(ind.self_score), ind.deviation_note or ""])
    weight_col, score_col = (8, 9) if common else (6, 7)
    total_row = ["总分"] + [""] * (width - 1)
    total_row[weight_col] = format_decimal(form.full_marks)
    total_row[score_col] = format_decimal(form.stated_total)
    rows.append(total_row)
    for key, label in LABELS["narrative"].items():
        if key in ("annual_goal", "implementation"):
            continue
        text = getattr(narrative, key)
        if text:
            rows.append([label, text])
    if narrative.footnote:
        rows.extend([[""], [narrative.footnote]])
    return "\n".join("\t".join(r).rstrip("\t") for r in rows) + "\n"


NATIONAL = Layout(
    name="national", title="项目支出绩效自评表（全国模板）", detect=detect, parse=parse,
    write=lambda form: dump_national_text(form), capabilities=SHIPPED_CAPABILITIES["national"],
    sections=("header", "national", "categories", "table_rows", "narrative", "headings", "footnote_prefixes"),
)

__all__ = ["NATIONAL", "detect", "dump_national_text", "parse", "variant_of"]
