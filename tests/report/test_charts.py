"""Charts: Chinese glyphs without warnings, reproducible bytes, no crash on sparse forms."""

from __future__ import annotations

import warnings

import pytest

from selfeval.assess.checks import review
from selfeval.report.charts import ALL_CHARTS
from selfeval.report.fonts import configure_matplotlib, fig_to_png_bytes


@pytest.fixture(scope="module", autouse=True)
def _fonts():
    configure_matplotlib()


@pytest.mark.parametrize("name", sorted(ALL_CHARTS))
def test_chart_renders_chinese_without_any_warning(name, seed_form, suzhou):
    ev = review(seed_form, suzhou)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = fig_to_png_bytes(ALL_CHARTS[name](ev))
        second = fig_to_png_bytes(ALL_CHARTS[name](ev))
    assert [str(w.message) for w in caught] == []
    assert first == second
    assert first.startswith(b"\x89PNG") and len(first) > 5000


@pytest.mark.parametrize("name", sorted(ALL_CHARTS))
def test_chart_of_a_form_without_sub_items_or_quantities(name, make_form, make_indicator, suzhou):
    form = make_form(indicators=[make_indicator(name="规范性", target="规范", actual="好", weight="80")])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = fig_to_png_bytes(ALL_CHARTS[name](review(form, suzhou)))
    assert [str(w.message) for w in caught] == []
    assert png.startswith(b"\x89PNG")
