"""Tests for selfeval.report.html: offline, input-free, diagnostics-free HTML reports."""

from __future__ import annotations

import base64
import re
from html import escape

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from selfeval.report import fonts
from selfeval.report.html import (
    _finish,
    _finish_soup,
    external_references,
    leaked_outputs,
    notebook_to_html,
    template_basedir,
)

TITLE = "<script>alert(1)</script> 绩效自评复核"


def _png_b64() -> str:
    fonts.configure_matplotlib()
    fig = Figure(figsize=(2, 1.5))
    fig.add_subplot().plot([1, 3, 2])
    fig.axes[0].set_title("得分趋势")
    return base64.b64encode(fonts.fig_to_png_bytes(fig)).decode()


def _notebook():
    df = pd.DataFrame({"指标": ["产出数量", "满意度"], "权重": [20, 10], "得分": [18.5, -1.25]})
    outputs = [
        new_output("stream", name="stdout", text="普通输出 VISIBLE_STDOUT\n"),
        new_output("stream", name="stderr", text="UserWarning: SECRET_STDERR\n"),
        new_output("display_data", data={"image/png": _png_b64(), "text/plain": "<Figure>"}),
        new_output(
            "execute_result",
            data={"text/html": df.to_html(), "text/plain": "df"},
            execution_count=3,
        ),
        new_output("display_data", data={"text/markdown": "## 小结 VISIBLE_MD", "text/plain": "md"}),
        new_output("display_data", data={"application/javascript": "SECRET_JS()"}),
        new_output("error", ename="KeyError", evalue="SECRET_EVALUE", traceback=["SECRET_TB"]),
    ]
    banner = new_markdown_cell("SECRET_BANNER", metadata={"tags": ["papermill-error-cell-tag"]})
    return new_notebook(
        cells=[
            banner,
            new_markdown_cell("# 项目绩效自评复核报告\n\n正文 VISIBLE_MARKDOWN_CELL"),
            new_code_cell("SECRET_INPUT = 42", metadata={"tags": ["injected-parameters"]}),
            new_code_cell("print('SECRET_SOURCE')", execution_count=3, outputs=outputs),
        ]
    )


@pytest.fixture(scope="module")
def html() -> str:
    return notebook_to_html(_notebook(), TITLE)


def test_template_dir_is_packaged():
    tpl = template_basedir() / "selfeval"
    assert (tpl / "conf.json").is_file()
    assert (tpl / "index.html.j2").is_file()


def test_no_external_resources(html):
    assert "<script" not in html.lower()  # neither src= nor inline
    assert "<link" not in html.lower()
    assert "@import" not in html
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html, re.I)
    assert not re.search(r"""url\(\s*["']?(?:https?:)?//""", html, re.I)
    assert external_references(html) == []


def test_lang_and_escaped_title(html):
    assert '<html lang="zh">' in html
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt; 绩效自评复核</title>" in html


def test_inputs_prompts_and_diagnostics_hidden(html):
    for secret in (
        "SECRET_INPUT",
        "SECRET_SOURCE",
        "SECRET_STDERR",
        "SECRET_EVALUE",
        "SECRET_TB",
        "SECRET_BANNER",
        "SECRET_JS",
    ):
        assert secret not in html, secret
    assert "In&nbsp;[" not in html and "In [" not in html
    assert "Out[" not in html


def test_outputs_shown(html):
    assert "VISIBLE_STDOUT" in html
    assert "VISIBLE_MD" in html
    assert "VISIBLE_MARKDOWN_CELL" in html
    assert "<h1>项目绩效自评复核报告</h1>" in html
    assert re.search(r'<img alt="图表" src="data:image/png;base64,[A-Za-z0-9+/=]{100,}"', html)
    assert "产出数量" in html
    assert re.search(r'<td class="num">-1.25</td>', html)  # numbers get right-aligned


def test_print_and_cjk_css(html):
    assert "@media print" in html
    assert "break-inside: avoid" in html
    assert '"Noto Sans CJK SC"' in html
    assert "@font-face" not in html


def test_html_is_small_and_reproducible(html):
    assert len(html.encode()) < 40_000  # CSS + one small PNG; stock lab template is >280 kB
    assert notebook_to_html(_notebook(), TITLE) == html  # no random cell ids / uuids


def test_leaked_outputs_lists_hidden_diagnostics():
    nb = _notebook()
    leaks = leaked_outputs(nb)
    assert leaks == [
        "cell 1: papermill error banner",
        "cell 4: stderr: UserWarning: SECRET_STDERR",
        "cell 4: KeyError: SECRET_EVALUE",
    ]
    notebook_to_html(nb, "t")
    assert leaked_outputs(nb) == leaks  # the caller's notebook is not modified


def test_markdown_image_embedded_from_base_dir(tmp_path):
    (tmp_path / "chart.png").write_bytes(base64.b64decode(_png_b64()))
    nb = new_notebook(cells=[new_markdown_cell("![图1](chart.png) ![缺](missing.png)")])
    html = notebook_to_html(nb, "t", base_dir=tmp_path)
    assert 'src="data:image/png;base64,' in html
    assert external_references(html) == ["missing.png"]  # broken refs are detectable


def test_external_references_detects_remote_things():
    page = (
        '<script src="https://cdn.example/x.js"></script><link href="http://x/y.css">'
        "<style>@import 'a.css'; body{background:url(//x/bg.png)}</style>"
        '<a href="#top">ok</a><img src="data:image/png;base64,AAAA">'
    )
    assert external_references(page) == [
        "https://cdn.example/x.js",
        "http://x/y.css",
        "//x/bg.png",
        "@import",
    ]


# --- the page's last pass: numeric cells and cell ids, in one pass and through BeautifulSoup ------

_NUMBERS = ["1,234.5", "-3", "12.5%", "＋8.0％", "(1,200)", "0", "−0.5", "3‰", ".5"]
_WORDS = ["规范", "待评", "a b", "&", "<x>", "≥95%", "100%以上", "表中 12", '"quoted"', "\u00a0"]


@st.composite
def _cell(draw) -> str:
    classes = draw(st.lists(st.sampled_from(["num", "se-name", "se-cat", "a"]), max_size=3, unique=True))
    attrs = []
    if classes:
        attrs.append(f'class="{" ".join(classes)}"')
    if draw(st.booleans()):
        attrs.append(f'data-label="{escape(draw(st.sampled_from(_WORDS)), quote=True)}"')
    if draw(st.booleans()):
        attrs.append(f'colspan="{draw(st.integers(1, 3))}"')
    draw(st.randoms()).shuffle(attrs)
    parts = draw(st.lists(st.one_of(
        st.sampled_from(_NUMBERS), st.sampled_from(_WORDS).map(escape), st.sampled_from([" ", "\n", "  "]),
        st.sampled_from(_NUMBERS + _WORDS).map(lambda t: f"<small>{escape(t)}</small>"),
        st.just("<br>"), st.just('<span class="se-note">1.0</span>')), max_size=4))
    return f"<td {' '.join(attrs)}>{''.join(parts)}</td>" if attrs else f"<td>{''.join(parts)}</td>"


def _page(rows: list[list[str]], extra: str = "") -> str:
    """A page as nbconvert hands it on: through BeautifulSoup once (sorted, quoted attributes)."""
    body = "".join(f"<tr>{''.join(r)}</tr>" for r in rows)
    raw = (f'<html><head><style>td.num {{ text-align: right }}</style></head><body>'
           f'<div class="jp-Cell" id="cell-id=5f3a-x"><table>{body}</table>{extra}</div>'
           f'<div id="keep" class="jp-Cell"><p>id="cell-id=in-text"</p></div></body></html>')
    return str(BeautifulSoup(raw, features="html.parser"))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_cell(), min_size=1, max_size=4), min_size=1, max_size=5))
def test_the_one_pass_marks_cells_and_drops_ids_as_beautifulsoup_does(rows):
    page = _page(rows)
    assert _finish(page) == _finish_soup(page)


def test_the_one_pass_leaves_pages_it_cannot_read_cell_by_cell_to_beautifulsoup(monkeypatch):
    import selfeval.report.html as module

    plain = _page([["<td>1.5</td>", '<td class="num">2</td>', "<td>规范</td>"]])
    done = _finish(plain)
    assert '<td class="num">1.5</td>' in done and '<td class="num">2</td>' in done  # once, not "num num"
    assert 'cell-id=5f3a' not in done and 'id="keep"' in done and "<p>id=\"cell-id=in-text\"</p>" in done
    calls = []
    monkeypatch.setattr(module, "_finish_soup", lambda body: calls.append(body) or body)
    _finish(plain)
    assert calls == []  # the plain page took the one pass
    for odd in ("<td><table><tr><td>1</td></tr></table></td>", "<td>1<!-- 2 --></td>", "<td><style>p{}</style>3</td>"):
        page = _page([[odd]])
        _finish(page)
        assert calls[-1] == page
        monkeypatch.undo()
        assert _finish(page) == module._finish_soup(page)
        monkeypatch.setattr(module, "_finish_soup", lambda body: calls.append(body) or body)
