"""Parsing of the values people write in forms: money, weights, targets and actuals.

Everything numeric becomes an exact `Decimal`; nothing goes through binary floats except where a
float is all the source has (Excel), and then via 15 significant digits as Excel itself shows it.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict

from selfeval.form.labels import LABELS

Comparator = Literal["at_least", "at_most", "equal", "above", "below"]


def normalize(text: object) -> str:
    """NFKC-normalise a cell (full-width → half-width), trim and fold inner white space."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    return re.sub(r"\s+", " ", s).strip()


def float_to_decimal(value: float) -> Decimal:
    """Make a Decimal of a float as a person sees it (15 significant digits, like Excel).

    `Decimal(0.18000000000029104)` would keep the binary noise of a cached formula result and
    break exact identities; `Decimal(float)` is therefore never used.
    """
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"not a finite number: {value!r}")
    shortest = repr(value)
    if len(Decimal(shortest).as_tuple().digits) <= 15:
        return canonical(Decimal(shortest))  # a typed (or cleanly computed) number: exact
    # A float needing 16+ digits is arithmetic noise, e.g. a cached formula result
    # 2077.78 - 2077.6 = 0.18000000000029104. The noise sits ~1e-12 relative to the value, so
    # the shortest decimal of at most 12 digits that close is the number meant; else Excel's 15.
    for digits in range(1, 13):
        candidate = f"{value:.{digits}g}"
        if abs(float(candidate) - value) <= abs(value) * 1e-11:
            return canonical(Decimal(candidate))
    return canonical(Decimal(f"{value:.15g}"))


def canonical(d: Decimal) -> Decimal:
    """The same number without trailing zeros (4.50 → 4.5, 100.0 → 100), never in exponent form."""
    if d == d.to_integral_value():
        return d.quantize(Decimal(1))
    return d.normalize()


_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$|^[+-]?\.\d+$")
# A 自评表's largest number (元, to the fen) has about 13 digits. More than 15 before the point is an
# error, not data (and would overflow the 28 digits exact arithmetic keeps); 28 digits in all.
MAX_INTEGER_DIGITS = 15
MAX_DIGITS = 28
_PLAIN_DIGITS = set("0123456789０１２３４５６７８９")


def odd_digits(text: str) -> str:
    """The digit characters of `text` that are neither ASCII nor full-width (⁸, ④, ٣): NFKC would
    turn `4.5⁸` into 4.58 and `④` into 4, so such text is never read as a number."""
    if text.isascii():  # the usual cell: nothing to look up
        return ""
    return "".join(ch for ch in text if ord(ch) > 127 and ch not in _PLAIN_DIGITS
                   and unicodedata.numeric(ch, None) is not None and unicodedata.category(ch) in ("Nd", "No", "Nl"))


def odd_in_number(text: str) -> bool:
    """Whether an odd digit (see `odd_digits`) stands where a number is read: first in the text
    (④, ①完成培训) or next to a digit or point (4.5⁸, 1²). `5000m²` and `Ⅲ类标准` are fine: there
    the odd character is part of a unit or a word."""
    odd = set(odd_digits(text))
    if not odd:
        return False
    body = text.strip()
    for spelling, _ in _comparators_list():
        if body.startswith(spelling):
            body = body[len(spelling):].strip()
            break
    if body[:1] in odd:
        return True
    near = _PLAIN_DIGITS | set(".．")
    return any(ch in odd and ((i and body[i - 1] in near) or (i + 1 < len(body) and body[i + 1] in near))
               for i, ch in enumerate(body))


def _bounded(d: Decimal) -> Decimal:
    if not d.is_finite():
        raise ValueError(f"not a finite number: {d}")
    if d.adjusted() >= MAX_INTEGER_DIGITS:
        raise ValueError(f"more than {MAX_INTEGER_DIGITS} digits before the decimal point")
    if len(d.as_tuple().digits) > MAX_DIGITS or d.adjusted() < -MAX_DIGITS:
        raise ValueError(f"more than {MAX_DIGITS} digits")
    return d


def parse_decimal(value: object) -> Decimal:
    """Parse a plain number (money, weight, score). Raises ValueError with the reason."""
    if isinstance(value, bool):
        raise ValueError("a yes/no value is not a number")
    if isinstance(value, Decimal):
        return _bounded(value)
    if isinstance(value, int):
        if abs(value) >= 10**MAX_INTEGER_DIGITS:
            raise ValueError(f"more than {MAX_INTEGER_DIGITS} digits before the decimal point")
        return Decimal(value)
    if isinstance(value, float):
        return _bounded(float_to_decimal(value))
    odd = odd_digits(str(value))
    if odd:
        raise ValueError(f"{odd} is not a digit selfeval reads (only 0–9, full-width or not)")
    s = normalize(value)
    if not s:
        raise ValueError("empty")
    if not _NUMBER.match(s):
        raise ValueError("not a plain number")
    try:
        return _bounded(Decimal(s.replace(",", "")))
    except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
        raise ValueError("not a plain number") from exc


def round_half_up(value: Decimal, places: int = 2) -> Decimal:
    """四舍五入 to `places` decimals (3.465 → 3.47, where float round gives 3.46)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_decimal(d: Decimal | None) -> str:
    """Print a Decimal the way it was written (no exponent, no trailing noise)."""
    if d is None:
        return ""
    s = format(d, "f")
    return s


#: A value with more decimals than this was computed (a quotient), never written on a form.
STATED_PLACES = 6


def show_number(d: Decimal | None) -> str:
    """A number for reviewer-facing text: as the form states it (165.5002 stays 165.5002), or,
    for a computed quotient (more than six decimals), rounded 四舍五入 to 2 decimals."""
    if d is None:
        return "—"
    if d.as_tuple().exponent < -STATED_PLACES:  # type: ignore[operator]
        d = round_half_up(d)
    return format_decimal(d)


def show_score(d: Decimal | None) -> str:
    """A score or weight for reviewers: always 2 decimals (1.00, 4.58), 四舍五入."""
    return "—" if d is None else format_decimal(round_half_up(d))


def show_rate(d: Decimal | None, places: int = 2) -> str:
    """A rate in points as reviewers read it: 2 decimals (or `places`) and a per-cent sign (88.65%)."""
    return "—" if d is None else f"{format_decimal(round_half_up(d, places))}%"


def show_signed(d: Decimal | None) -> str:
    """A difference for reviewers: 2 decimals, 四舍五入, with its sign (+1.25, -0.50, 0.00)."""
    if d is None:
        return "—"
    v = round_half_up(d)
    return f"+{format_decimal(v)}" if v > 0 else format_decimal(v)


class Quantity(BaseModel):
    """A number with its unit; percentages have unit "%" and value in points (99 for 99 %)."""

    model_config = ConfigDict(frozen=True)
    value: Decimal
    unit: str = ""


class Target(BaseModel):
    """What an indicator aims at: a comparator + number + unit, a range, a date or a word."""

    model_config = ConfigDict(frozen=True)
    # unreadable: a published form's cell that is no target selfeval can read; its indicator waits
    kind: Literal["quantitative", "range", "date", "qualitative", "none", "unreadable"]
    raw: str = ""
    comparator: Comparator | None = None
    value: Decimal | None = None
    unit: str = ""
    low: Decimal | None = None
    high: Decimal | None = None
    year: int | None = None
    month: int | None = None
    day: int | None = None
    word: str | None = None
    bare: bool = False  # a plain number ("4 次"): its comparator is the ruleset's (scoring.interpret)

    def __str__(self) -> str:
        return self.raw


class Actual(BaseModel):
    """What an actual (实际完成值) cell says, once parsed."""

    model_config = ConfigDict(frozen=True)
    kind: Literal["quantity", "date", "text", "blank"]
    raw: str = ""
    quantity: Quantity | None = None
    year: int | None = None
    month: int | None = None
    day: int | None = None
    text: str | None = None
    comparator: Comparator | None = None  # "≥266米" states a bound, not the value reached


def _comparators_list() -> list[tuple[str, Comparator]]:
    return _COMPARATORS


def _comparators() -> list[tuple[str, Comparator]]:
    # Longest spelling first so "不低于" wins over nothing and ">=" over ">".
    pairs = [(k, v) for k, v in LABELS["comparators"].items()]
    return sorted(pairs, key=lambda kv: -len(kv[0]))


_COMPARATORS = _comparators()
_TARGET_COMPARATORS = sorted([*_COMPARATORS, *LABELS["target_comparators"].items()], key=lambda kv: -len(kv[0]))
# by first character, longest spelling first: a target looks at the few that can match
_TARGET_BY_FIRST: dict[str, list[tuple[str, Comparator]]] = {}
for _spelling, _comparator in _TARGET_COMPARATORS:
    _TARGET_BY_FIRST.setdefault(_spelling[0], []).append((_spelling, _comparator))
# NFKC folds （含） to (含), as `normalize` does to the target text
_SUFFIXES = sorted(((unicodedata.normalize("NFKC", k), v) for k, v in LABELS["comparator_suffixes"].items()),
                   key=lambda kv: -len(kv[0]))
_SUFFIX_ENDS = frozenset(k[-1] for k, _ in _SUFFIXES)
# A unit has no digits, except a trailing power: m², m³ (NFKC writes them m2, m3), 元/m³.
_QTY = re.compile(r"^([+-]?\d+(?:,\d{3})*(?:\.\d+)?)\s*([^\d]*?(?:(?<=[A-Za-z])[23])?)$")
_RANGE = re.compile(
    r"^(\d+(?:\.\d+)?)\s*(%?)\s*(?:-|~|至|—|–)\s*(\d+(?:\.\d+)?)\s*(%?)\s*(\S*)$"
)
_DATE = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月(?:(\d{1,2})日|底|末)(?:前|之前|以前)?$")


def _quantity(text: str) -> Quantity | None:
    m = _QTY.match(text)
    if not m:
        return None
    unit = m.group(2).strip()
    try:
        value = _bounded(Decimal(m.group(1).replace(",", "")))
    except ValueError:
        return None  # a number of 30 digits is not a quantity a form states
    return Quantity(value=value, unit=unit)


def _date(text: str) -> tuple[int | None, int, int] | None:
    m = _DATE.match(text.replace(" ", ""))
    if not m:
        return None
    month = int(m.group(2))
    if not 1 <= month <= 12:
        return None
    day = int(m.group(3)) if m.group(3) else _MONTH_END[month]
    if not 1 <= day <= 31:
        return None
    return (int(m.group(1)) if m.group(1) else None), month, day


_MONTH_END = {1: 31, 2: 28, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}


def parse_target(raw: object, bare: Comparator = "equal") -> Target:
    """Parse a target (目标值/指标值). Raises ValueError when it has a comparator or a leading
    number that does not parse; anything else without digits is a qualitative word.

    `bare` is the comparator of a target written as a plain number ("3 个"): a ruleset value.
    """
    text = normalize(raw)
    if not text:
        return Target(kind="none", raw="")
    if odd_in_number("" if raw is None else str(raw)):  # ④ / 4.5⁸: never the number NFKC makes of it
        return Target(kind="qualitative", raw=text, word=text)
    date = _date(text)
    if date:
        return Target(kind="date", raw=text, year=date[0], month=date[1], day=date[2])
    rng = _RANGE.match(text)
    if rng:
        lo, lo_pct, hi, hi_pct, unit = rng.groups()
        pct = "%" if (lo_pct or hi_pct) else ""
        low, high = Decimal(lo), Decimal(hi)
        if low > high:
            raise ValueError("range low end is above its high end")
        return Target(kind="range", raw=text, low=low, high=high, unit=pct or unit)
    for spelling, comparator in _TARGET_BY_FIRST.get(text[0], ()):
        if text.startswith(spelling):
            rest = text[len(spelling) :].strip()
            q = _quantity(rest)
            if q is None:
                if rest and not (rest[0].isdigit() or rest[0] in "+-."):
                    # a limit named in words (「不超过规定标准」): a qualitative target
                    return Target(kind="qualitative", raw=text, word=text)
                raise ValueError(f"a number after {spelling!r}")
            return Target(
                kind="quantitative", raw=text, comparator=comparator, value=q.value, unit=q.unit
            )
    for spelling, comparator in _SUFFIXES if text[-1] in _SUFFIX_ENDS else ():  # 「95%以上」「100人次及以上」
        if text.endswith(spelling) and len(text) > len(spelling):
            q = _quantity(text[: -len(spelling)].strip())
            if q is not None:
                return Target(kind="quantitative", raw=text, comparator=comparator, value=q.value, unit=q.unit)
    if text[0].isdigit() or text[0] in "+-.":
        q = _quantity(text)
        if q is None:
            raise ValueError("a number with an optional unit")
        return Target(kind="quantitative", raw=text, comparator=bare, value=q.value, unit=q.unit, bare=True)
    return Target(kind="qualitative", raw=text, word=text)


def parse_actual(raw: object) -> Actual:
    """Parse an actual (实际完成值). Never raises: text that is not a number stays text."""
    return _parse_actual(None if raw is None else str(raw))


@lru_cache(maxsize=8192)  # review reads each actual several times; Actual is immutable
def _parse_actual(raw: str | None) -> Actual:
    text = normalize(raw)
    if not text:
        return Actual(kind="blank", raw="")
    if odd_in_number(raw or ""):  # ④ or 4.5⁸: not a number (NFKC would make one); compared as text
        return Actual(kind="text", raw=text, text=text)
    date = _date(text)
    if date:
        return Actual(kind="date", raw=text, year=date[0], month=date[1], day=date[2])
    # An actual may repeat the comparator ("≥95%"); the number is what counts.
    body, stated = text, None
    for spelling, comparator in _COMPARATORS:
        if body.startswith(spelling):
            body, stated = body[len(spelling) :].strip(), comparator
            break
    q = _quantity(body)
    if q is not None:
        return Actual(kind="quantity", raw=text, quantity=q, comparator=stated)
    return Actual(kind="text", raw=text, text=text)


def is_budget_row(name: str) -> bool:
    """Whether a name (a decision's subject) is the budget-execution row: 预算执行, 年度资金总额."""
    return normalize(name) in {normalize(x) for x in LABELS["national"]["budget_row"]}


def show_range(low: Decimal, high: Decimal) -> str:
    """A total, or the range it can still take: '79.43', '70.00–74.58' (2 places, half up)."""
    if low == high:
        return format_decimal(round_half_up(low))
    return f"{format_decimal(round_half_up(low))}–{format_decimal(round_half_up(high))}"


# C0 controls but tab and newline, DEL, C1 controls (U+009B is a one-byte CSI to a terminal) and
# the bidi overrides that reorder what a terminal shows.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """Text for a terminal or a log line: the one output filter for everything selfeval prints
    (a form's, a params file's or a ruleset's words may carry escape sequences)."""
    return _UNPRINTABLE.sub("", text)
