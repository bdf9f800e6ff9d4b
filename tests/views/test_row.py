"""The typed project row: exact decimals through JSON and back, one shape for every view."""

from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from selfeval.views.row import DECIMALS, ProjectRow

decimals = st.decimals(allow_nan=False, allow_infinity=False, places=None, min_value=-10**12, max_value=10**12)


def _row(**values) -> ProjectRow:
    base = dict(project_name="项目", department="", year=2023, ruleset="suzhou-2023", full_marks=Decimal(80),
                self_total=None, review_total=Decimal("67.84"), review_low=Decimal("67.84"),
                review_high=Decimal("67.84"), difference=None, self_rating=None, rating="良", rating_settled=True,
                rating_bands="良", rating_text="良", unsettled="", provisional=False, execution_rate=None,
                funding_rate=None, budget=None, paid=None, errors=0, warnings=0, infos=0)
    return ProjectRow(**{**base, **values})


@given(st.fixed_dictionaries({k: st.one_of(st.none(), decimals) for k in DECIMALS if k not in (
    "full_marks", "review_total", "review_low", "review_high")}))
def test_every_decimal_comes_back_exactly_through_json_text(values):
    row = _row(**values)
    again = ProjectRow.from_json(json.loads(json.dumps(row.to_json())))
    assert again == row
    for k, v in values.items():
        assert getattr(again, k) == v  # equal as numbers, not just close


def test_a_long_decimal_travels_as_text_and_a_short_one_as_a_number():
    row = _row(budget=Decimal("1234567890.123456789"), paid=Decimal("12.5"))
    data = row.to_json()
    assert data["budget"] == "1234567890.123456789" and data["paid"] == 12.5
    assert ProjectRow.from_json(data).budget == Decimal("1234567890.123456789")
