"""自评表 published on a web page: the `<table>` that is the form, into a grid.

Government sites write the form as one table (sometimes several, or inside a layout table), with
`rowspan` / `colspan` merges and `&nbsp;` in blank cells. Each table is read with its own rows
(a table inside a cell is a table of its own); merged cells are expanded as a spreadsheet export
writes them; the table a layout claims is the form, and the provenance says which it was.

Only what a person sees is read: text hidden by the page (`display:none`, `visibility:hidden`, the
`hidden` attribute, a class or id its own `<style>` hides) and text struck out (`<del>`, `<s>`) is
left out, never added to a number, and each kind left out is noted.
"""

from __future__ import annotations

import re
from collections import Counter

from selfeval.errors import FormError, Problem
from selfeval.layouts.reader import Grid
from selfeval.loaders.limits import check_table_depth
from selfeval.loaders.tables import Span, Table, cell_text, choose_form_table, expand

MAX_SPAN = 200  # a rowspan / colspan larger than any form is hostile or broken: clipped
# Elements whose text a browser does not show as the page's text.
_UNSHOWN = {"script": "脚本", "style": "样式", "template": "模板", "noscript": "noscript",
            "del": "删除线（<del>）", "s": "删除线（<s>）", "strike": "删除线（<strike>）"}
_HIDDEN = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse))\s*(?:!important)?\s*(?:;|$)",
                     re.I)
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")


def _span(value: object) -> int:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        return 1
    return min(max(n, 1), MAX_SPAN)


def _hidden_selectors(soup) -> tuple[set[str], set[str]]:
    """Classes and ids the page's own `<style>` hides (simple `.x`, `#y`, `td.x` rules)."""
    classes: set[str] = set()
    ids: set[str] = set()
    for style in soup.find_all("style"):
        for selectors, body in _RULE.findall(style.get_text()):
            if not _HIDDEN.search(body.strip()):
                continue
            for sel in selectors.split(","):
                sel = sel.strip()
                if m := re.fullmatch(r"[a-zA-Z0-9]*\.([\w-]+)", sel):
                    classes.add(m.group(1))
                elif m := re.fullmatch(r"[a-zA-Z0-9]*#([\w-]+)", sel):
                    ids.add(m.group(1))
    return classes, ids


def drop_unseen(soup) -> list[str]:
    """Remove what a browser would not show; one note per kind removed (with how many)."""
    from bs4 import Comment

    dropped: Counter[str] = Counter()
    for comment in soup.find_all(string=lambda t: isinstance(t, Comment)):
        comment.extract()
    classes, ids = _hidden_selectors(soup)
    for tag in soup.find_all(True):
        if getattr(tag, "decomposed", False):
            continue  # inside a tag already removed
        why = _UNSHOWN.get(tag.name)
        if why is None and tag.has_attr("hidden"):
            why = "hidden 属性"
        elif why is None and _HIDDEN.search(str(tag.get("style", ""))):
            why = "display:none / visibility:hidden"
        elif why is None and (classes & set(tag.get("class") or []) or tag.get("id") in ids):
            why = "页面样式隐藏"
        if why is not None:
            if why not in ("脚本", "样式", "模板", "noscript") and tag.get_text(strip=True):
                dropped[why] += 1
            tag.decompose()
    return [f"网页中不可见的内容未读取：{why} {n}处" for why, n in sorted(dropped.items())]


def html_tables(text: str, source: str, notes: list[str] | None = None) -> list[Table]:
    """Every table of a page that holds no other table, as rows of the cell texts a person sees;
    what was left out is appended to `notes`."""
    from bs4 import BeautifulSoup

    # lxml parses as browsers do (an omitted </td> or </tr> ends where HTML says it does)
    check_table_depth(text, source)  # before the parser: deep nesting costs it minutes
    soup = BeautifulSoup(text, "lxml")
    said = drop_unseen(soup)
    if notes is not None:
        notes.extend(said)
    for br in soup.find_all("br"):
        br.replace_with("\n")
    out: list[Table] = []
    for n, table in enumerate(soup.find_all("table"), start=1):
        # Every table is a candidate with its own rows (not those of a table inside it): a layout
        # table around the form holds one cell of everything, which no layout claims.
        spans: list[list[Span]] = []
        for tr in table.find_all("tr"):
            if tr.find_parent("table") is not table:
                continue
            spans.append([Span(cell_text(td.get_text()), _span(td.get("rowspan", 1)), _span(td.get("colspan", 1)))
                          for td in tr.find_all(["td", "th"], recursive=False)])
        name = f"table {n}"
        rows = expand(spans, source, name)
        out.append(Table(name, rows, [f"{name}, row {i}" for i in range(1, len(rows) + 1)]))
    return out


def html_to_grid(text: str, source: str) -> tuple[Grid, str, list[str]]:
    """The form's table on a page, which table it was, and what was left out as unseen;
    `FormError` naming the tables seen when none is a form."""
    notes: list[str] = []
    tables = html_tables(text, source, notes)
    if not tables:
        raise FormError([Problem(source, "", "file", "a web page without a <table>",
                                 "a page that publishes the 自评表 as a table")])
    grid, which = choose_form_table(tables, source, "page")
    return grid, which, notes


__all__ = ["drop_unseen", "html_tables", "html_to_grid"]
