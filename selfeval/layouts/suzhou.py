"""The Suzhou 自评表 layout (苏州市级财政支出项目绩效自评表): detect, parse and write.

A grid is the sheet as rows of cells. Nothing is found by position: every block is located by
its label (NFKC-normalised), values are read right of or below their labels, and where the
export shifts a values row (the seed's 市级财政资金使用情况 row starts one column left of its
headers) the alignment is chosen by the budget identities, not assumed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from selfeval.errors import FormError
from selfeval.form.labels import LABELS
from selfeval.form.model import (
    SHIPPED_CAPABILITIES,
    Category,
    Form,
    Indicator,
    MoneyBlock,
    Provenance,
    SubItem,
)
from selfeval.form.values import Target, format_decimal, normalize, parse_decimal, parse_target
from selfeval.layouts.base import Detection, Layout
from selfeval.layouts.parsing import FULL_MARKS, GridParser, category_of
from selfeval.layouts.reader import Grid, assign_columns, header_fields, is_number, label_key, missing_column


def _cell(row: list[str], j: int) -> str:
    return row[j] if 0 <= j < len(row) else ""


# The money fields a form may state as negative: a 调减 adjustment, and the balances of a project
# that spent more than it was given (docs/rules.md).
SIGNED = frozenset({"adjustment", "quota_balance", "fund_balance"})
_UNIT_SUFFIX = re.compile(r"\((万元|元)\)$")


def detect(grid: Grid, labels: dict = LABELS) -> Detection:
    """The Suzhou form's landmarks: the 预算执行情况 block, 子项名称, and its indicator header."""
    keys = grid.keys()
    spec = labels["suzhou_landmarks"]
    found, missing = [], []
    for label in spec:
        (found if any(label in k for k in keys) else missing).append(label)
    return Detection(len(found) / len(spec) if "子项名称" in found else min(0.4, len(found) / len(spec)),
                     tuple(found), tuple(missing))


@dataclass
class _Parser(GridParser):
    budget_values: dict[str, Decimal | None] = field(default_factory=dict)

    # -- helpers ---------------------------------------------------------------------------------

    def number(self, raw: str, i: int, j: int, what: str, required: bool = True,
               signed: bool = False) -> Decimal | None:
        """A number cell; only `signed` ones (调整数, balances of an overspent project) may be negative."""
        if not normalize(raw):
            if required:
                self.problem(i, j, what, raw, "a number")
            return None
        try:
            value = parse_decimal(raw)
        except ValueError as exc:  # one value cell never refuses the form: it is not stated, and said
            self.degrade(i, j, what, raw, f"数字（{exc}）")
            return None
        if value < 0 and not signed:
            self.degrade(i, j, what, raw, "不小于0的数")
            return None
        return value

    def value_right(self, i: int, j: int) -> tuple[str, int] | None:
        row = self.grid.rows[i]
        for jj in range(j + 1, len(row)):
            if normalize(row[jj]):
                return row[jj].strip(), jj
        return None

    # -- header ----------------------------------------------------------------------------------
    def header(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for fld, labels in self.L["header"].items():
            keys = {label_key(x) for x in labels}
            hit = self.find(lambda k, keys=keys: k in keys)
            if hit is None:
                if fld in ("project_name", "year"):
                    self.problem(None, None, fld, "", f"a cell labelled {labels[0]}")
                continue
            i, j = hit
            found = self.value_right(i, j)
            if found is None:
                if fld in ("project_name", "year"):
                    self.problem(i, j, labels[0], "", "a value right of the label")
                continue
            out[fld] = found[0]
            if fld == "year":
                y = normalize(found[0]).removesuffix("年")
                if re.fullmatch(r"(19|20)\d\d", y):
                    out["year"] = int(y)
                else:
                    self.problem(i, found[1], labels[0], found[0], "a four-digit year such as 2023")
                    out["year"] = 0
        return out

    # -- money -----------------------------------------------------------------------------------
    def money_block(self, name: str, start: int = 0) -> tuple[dict[str, Decimal | None], int]:
        spec = self.L["money_blocks"][name]
        hit = self.find(lambda k: spec["label"] in k, start)
        if hit is None:
            self.problem(None, None, f"money block {spec['label']}", "", "a block with that label")
            return {}, start
        i, j0 = hit
        labels = {label_key(lbl): fld for lbl, fld in spec["fields"].items()}
        groups = {label_key(g) for g in spec.get("groups", [])}
        columns: dict[int, str] = {}  # column → field
        k = i
        values_row = None
        while k < len(self.grid.rows):
            row = self.grid.rows[k]
            cells = [(jj, c) for jj, c in enumerate(row) if normalize(c) and not (k == i and jj == j0)]
            if k > i and any(is_number(c) for _, c in cells):
                values_row = k
                break
            for jj, c in cells:
                key = _UNIT_SUFFIX.sub("", label_key(c))
                if key in groups:
                    continue
                if key in labels:
                    columns[jj] = labels[key]
                elif k == i or columns:
                    self.problem(k, jj, f"{spec['label']} header", c, "one of " + "、".join(spec["fields"]))
            k += 1
        if values_row is None:
            self.problem(i, None, f"{spec['label']} values", "", "a row of numbers below the header")
            return {}, i + 1
        fields = [columns[c] for c in sorted(columns)]
        row = self.grid.rows[values_row]
        mapping = self._choose_alignment(name, columns, fields, row)
        out: dict[str, Decimal | None] = {}
        for fld, (raw, col) in mapping.items():
            out[fld] = self.number(raw, values_row, col, self.L["money_names"][fld], required=False,
                                   signed=fld in SIGNED)
        return out, values_row + 1

    def _choose_alignment(self, name, columns, fields, row):
        """Pick how header columns map to value cells: aligned, shifted ±1, or values in order."""
        candidates: list[tuple[str, dict[str, tuple[str, int]]]] = []
        for shift in (0, -1, 1):
            candidates.append(
                (f"shift {shift}", {fld: (_cell(row, c + shift), c + shift) for c, fld in columns.items()})
            )
        filled = [(c, jj) for jj, c in enumerate(row) if normalize(c)]
        if len(filled) == len(fields):
            candidates.append(("in order", {fld: filled[n] for n, fld in enumerate(fields)}))

        def quality(mapping: dict[str, tuple[str, int]]) -> tuple[int, int, int]:
            vals: dict[str, Decimal | None] = {}
            bad = 0
            for fld, (raw, _) in mapping.items():
                if not normalize(raw):
                    vals[fld] = None
                    continue
                try:
                    vals[fld] = parse_decimal(raw)
                except ValueError:
                    bad += 1
            held = _identities_held(name, vals, self.budget_values)
            used = {col for _, col in mapping.values() if normalize(_cell(row, col))}
            unread = len([1 for _, jj in filled if jj not in used])
            return (held - bad * 10 - unread * 10, -sum(v is None for v in vals.values()), 0)

        best_label, best = candidates[0]
        best_q = quality(best)
        for label, cand in candidates[1:]:
            q = quality(cand)
            if q > best_q:
                best_label, best, best_q = label, cand, q
        if best_label != "shift 0":
            how = self.L["option_names"]["alignment"][best_label]
            self.notes.append(f"{self.L['money_blocks'][name]['label']}：{how}")
        return best

    # -- sub-items --------------------------------------------------------------------------------
    def sub_items(self, start: int) -> tuple[list[SubItem], Decimal | None, Decimal | None, int]:
        spec = self.L["sub_items"]
        hit = self.find(lambda k: k == spec["header"], start)
        if hit is None:
            self.problem(None, None, "sub-items", "", f"a header row with {spec['header']}")
            return [], None, None, start
        i, _ = hit
        row = self.grid.rows[i]
        bcol = next((jj for jj, c in enumerate(row) if spec["budget"] in label_key(c)), None)
        acol = next((jj for jj, c in enumerate(row) if spec["actual"] in label_key(c)), None)
        items: list[SubItem] = []
        total_b = total_a = None
        end = len(self.grid.rows)  # the row after the table
        for k, row, cells in self.grid.walk(i + 1):
            if self._is_indicator_header(row):
                end = k
                break
            name_col, name = cells[0]
            if is_number(name):
                self.problem(k, name_col, "子项名称", name, "a sub-item name before its amounts")
                continue
            rest = [(jj, c) for jj, c in cells[1:]]
            b_raw, b_col = (_cell(row, bcol), bcol) if bcol is not None and _cell(row, bcol).strip() else (
                rest[0][1], rest[0][0]) if rest else ("", bcol or 0)
            a_raw, a_col = (_cell(row, acol), acol) if acol is not None and _cell(row, acol).strip() else (
                rest[1][1], rest[1][0]) if len(rest) > 1 else ("", acol or 0)
            budget = self.number(b_raw, k, b_col, f"{name} 预算数", required=False)
            actual = self.number(a_raw, k, a_col, f"{name} 实际数", required=False)
            if label_key(name) == label_key(spec["total"]):
                total_b, total_a = budget, actual
            else:
                items.append(SubItem(name=name.strip(), budget=budget, actual=actual,
                                     row=self.grid.numbers[k]))
        return items, total_b, total_a, end

    # -- indicators ------------------------------------------------------------------------------
    def _is_indicator_header(self, row: list[str]) -> bool:
        cols = assign_columns(row, self.L["indicator_table"], skip=("total",))
        return "name" in cols and "target" in cols

    def indicators(self, start: int, bare) -> tuple[list[Indicator], dict[str, object], int]:
        spec = self.L["indicator_table"]
        i = next((k for k in range(start, len(self.grid.rows))
                  if self._is_indicator_header(self.grid.rows[k])), None)
        meta: dict[str, object] = {}
        if i is None:
            self.problem(None, None, "indicator table", "", "a header row with 指标名称 and 目标值")
            return [], meta, start
        cols = assign_columns(self.grid.rows[i], spec, skip=("total",))  # folded: 实际完成值(B) is 实际完成值
        meta["note_column"] = "deviation_note" in cols
        meta["columns"] = [f"{self.grid.where(i, j)}: {self.grid.rows[i][j].strip()} → {fld}"
                           for fld, j in sorted(cols.items(), key=lambda p: p[1])]
        missing = [r for r in ("category", "name", "target", "weight", "actual") if r not in cols]
        for required in missing:
            self.problem(i, None, "indicator table header", " | ".join(c for c in self.grid.rows[i] if c.strip()),
                         missing_column(spec[required], self.grid.rows[i], set(cols.values())))
        if missing:
            return [], meta, i + 1
        totals = {label_key(t) for t in spec["total"]}
        name_col = cols["name"]
        level1 = None
        category: Category | None = None
        bad_category = False  # rows under an unreadable category cell: reported once, above
        out: list[Indicator] = []
        closed = False
        end = len(self.grid.rows)  # the row after the table
        for k, row, cells in self.grid.walk(i + 1):
            first_key = label_key(cells[0][1])
            if first_key in totals and cells[0][0] < name_col:
                nums = [(jj, c) for jj, c in cells[1:] if normalize(c)]
                if nums:
                    meta["stated_total"] = self.number(nums[-1][1], k, nums[-1][0], "合计 自评分")
                closed = True
                end = k + 1
                break
            if self._ends_table(first_key):
                end = k
                break
            l1 = _cell(row, cols.get("level1", -1))
            if normalize(l1):
                level1 = l1.strip()
                m = FULL_MARKS.search(normalize(l1))
                if m:
                    meta["full_marks"] = Decimal(m.group(1))
            cat_raw = _cell(row, cols["category"])
            if normalize(cat_raw):
                category = category_of(cat_raw, self.L)
                bad_category = category is None
                if category is None:
                    self.problem(k, cols["category"], "类别", cat_raw,
                                 "决策/过程/投入/产出/效益/满意度 (optionally ending in 目标 or 指标)")
            name = _cell(row, name_col).strip()
            if not name:
                self.problem(k, name_col, "指标名称", "", "an indicator name")
                continue
            if category is None:
                if not bad_category:
                    self.problem(k, cols["category"], "类别", "", "a category for the first indicator")
                continue
            target_raw = _cell(row, cols["target"])
            try:
                target = parse_target(target_raw, bare)
            except ValueError as exc:  # one cell: the indicator waits for the reviewer
                self.degrade(k, cols["target"], f"{name} 目标值", target_raw, str(exc))
                target = Target(kind="unreadable", raw=normalize(target_raw))
            # a blank or unreadable 权重 is not stated: scoring says where the weight comes from
            weight = self.number(_cell(row, cols["weight"]), k, cols["weight"], f"{name} 权重", required=False)
            self_raw = _cell(row, cols["self_score"]) if "self_score" in cols else ""
            self_score = self.number(self_raw, k, cols.get("self_score"), f"{name} 自评分", required=False)
            if target is not None:
                out.append(
                    Indicator(
                        category=category,
                        name=name,
                        target=target,
                        weight=weight,
                        actual=_cell(row, cols["actual"]) if "actual" in cols else None,
                        self_score=self_score,
                        level1=level1,
                        deviation_note=_cell(row, cols["deviation_note"]) if "deviation_note" in cols
                        else None,
                        row=self.grid.numbers[k],
                    )
                )
        if not closed:
            where = end - 1 if end > i + 1 else i
            self.problem(where, None, "indicator table", "end of the table without a 合计 row",
                         "a 合计 row closing the indicator table (is the file truncated?)")
        if not out and closed:
            self.problem(i, None, "indicator table", "no indicator rows", "at least one indicator")
        return out, meta, end

    def _ends_table(self, key: str) -> bool:
        narrative = {label_key(v) for v in self.L["narrative"].values()}
        return key in narrative or any(key.startswith(n) for n in narrative) or key in {
            label_key(h) for h in self.L["headings"]}

def _identities_held(block: str, v: dict[str, Decimal | None], budget: dict) -> int:
    """How many of the block's budget identities hold (used to choose an alignment)."""

    def g(d: dict, key: str) -> Decimal | None:
        return d.get(key)

    checks: list[bool] = []
    if block == "budget":
        ib, adj = g(v, "initial_budget"), g(v, "adjustment")
        ap, qb = g(v, "appropriated"), g(v, "quota_balance")
        if None not in (ib, ap, qb):
            checks.append(ib + (adj or 0) - ap == qb)
        qr = g(v, "quota_recovered")
        if qr is not None and qb is not None:
            checks.append(qr <= qb)
    else:
        ap, paid, fb = g(v, "use_appropriated"), g(v, "paid"), g(v, "fund_balance")
        cf, rec = g(v, "carried_forward"), g(v, "recovered")
        if None not in (ap, paid, fb):
            checks.append(ap - paid == fb)
        if fb is not None and (cf is not None or rec is not None):
            checks.append((cf or 0) + (rec or 0) == fb)
        if ap is not None and budget.get("appropriated") is not None:
            checks.append(ap == budget["appropriated"])
        if paid is not None and ap is not None:
            checks.append(paid <= ap)
    return sum(checks) - (len(checks) - sum(checks))


def parse(grid: Grid, provenance: Provenance, labels: dict = LABELS, bare: str = "equal") -> Form:
    """Parse a Suzhou-layout grid into a `Form`, or raise `FormError` listing every problem."""
    p = _Parser(grid, L=labels)
    head = p.header()
    budget, nxt = p.money_block("budget")
    p.budget_values = budget
    use, nxt = p.money_block("use", nxt)
    items, total_b, total_a, nxt = p.sub_items(nxt)
    indicators, meta, nxt = p.indicators(nxt, bare)
    narrative = p.narrative(nxt)
    if p.problems:
        raise FormError(p.problems)
    prov = provenance.model_copy(update={"notes": [*provenance.notes, *p.notes], "degraded": p.degraded,
                                         "columns": list(meta.get("columns", []))})
    return Form(
        **header_fields(head),
        layout=SUZHOU.name,
        capabilities=SUZHOU.capabilities.model_copy(update={"note_column": bool(meta.get("note_column"))}),
        full_marks=meta.get("full_marks"),
        stated_total=meta.get("stated_total"),
        money=MoneyBlock(**budget, **use),
        sub_items_budget_total=total_b,
        sub_items_actual_total=total_a,
        sub_items=items,
        indicators=indicators,
        narrative=narrative,
        provenance=prov,
    )


# --- writing -------------------------------------------------------------------------------------

_CATEGORY_LABEL = {
    Category.decision: "决策目标", Category.process: "过程目标", Category.input: "投入目标",
    Category.output: "产出目标", Category.outcome: "效益目标", Category.satisfaction: "满意度目标",
}


def write(form: Form) -> str:
    """The form as a Suzhou tab-separated text export (7 columns, values aligned)."""
    m = form.money
    full = format_decimal(form.full_marks) or "80"
    rows: list[list[str]] = [[""], ["苏州市级财政支出项目绩效自我评价报告"], [""],
                             ["苏州市级财政支出项目绩效自评表", "", "", "", "", "", ""]]
    rows.append(["项目名称", "", form.project_name, "", "项目年份", str(form.year), ""])
    rows.append(["项目主管部门(单位)", "", form.department or "", "", "", "", ""])
    budget = LABELS["money_blocks"]["budget"]["fields"]
    b_labels = list(budget)
    rows.append(["市级预算执行情况(万元)", b_labels[0], b_labels[1], "", b_labels[2], b_labels[3], b_labels[4]])
    rows.append(["", format_decimal(m.initial_budget), format_decimal(m.adjustment), "", format_decimal(m.appropriated), format_decimal(m.quota_balance),
                 format_decimal(m.quota_recovered)])
    rows.append(["市级财政资金使用情况(万元)", "财政拨款数", "实际支付数", "资金结余、结转数", "其中:", "", ""])
    rows.append(["", "", "", "", "结转数", "财政收回数", ""])
    rows.append(["", format_decimal(m.use_appropriated), format_decimal(m.paid), format_decimal(m.fund_balance), format_decimal(m.carried_forward),
                 format_decimal(m.recovered), ""])
    rows.append(["项目资金构成(详细列出各子项目名称和金额)", "", "", "", "", "", ""])
    rows.append(["子项名称", "", "预算数(万元)", "", "实际数(万元)", "", ""])
    rows.append(["合计", "", format_decimal(form.sub_items_budget_total), "", format_decimal(form.sub_items_actual_total), "", ""])
    rows.extend([s.name, "", format_decimal(s.budget), "", format_decimal(s.actual), "", ""] for s in form.sub_items)
    # The paper form has no deviation-note column; a form that has notes (or had the column) keeps it.
    notes = form.capabilities.note_column or any(ind.deviation_note for ind in form.indicators)
    rows.append(["项目", "类别", "指标名称", "目标值", "权重", "实际完成值", "自评分",
                 *([LABELS["indicator_table"]["deviation_note"][0]] if notes else [])])
    last = None
    for n, ind in enumerate(form.indicators):
        cat = _CATEGORY_LABEL[ind.category] if ind.category != last else ""
        last = ind.category
        rows.append([f"项目绩效实现情况({full}分)" if n == 0 else "", cat, ind.name, ind.target.raw,
                     format_decimal(ind.weight), ind.actual or "", format_decimal(ind.self_score),
                     *([ind.deviation_note or ""] if notes else [])])
    rows.append(["合计", "", "", "", "", "", format_decimal(form.stated_total)])
    rows.append([""])
    rows.append(["项目基本情况"])
    rows.append([""])
    n = form.narrative
    for key, label in LABELS["narrative"].items():
        text = getattr(n, key)
        if text and key == "instructions":
            rows.extend([[""], [f"{label}：{text}"]])
        elif text:
            rows.append([label, text])
    if n.footnote:
        rows.extend([[""], [n.footnote]])
    return "\n".join("\t".join(r) for r in rows)



SUZHOU = Layout(
    name="suzhou", title="苏州市级财政支出项目绩效自评表", detect=detect, parse=parse,
    write=write, capabilities=SHIPPED_CAPABILITIES["suzhou"],
    sections=("header", "suzhou_landmarks", "money_blocks", "sub_items", "indicator_table", "categories",
              "narrative", "headings", "footnote_prefixes"),
)
dump_suzhou_text = write  # the name examples and tests know

__all__ = ["SUZHOU", "category_of", "detect", "dump_suzhou_text", "parse", "write"]
