"""Turn an executed report notebook into one self-contained, offline HTML file.

nbconvert's stock ``lab``/``classic`` templates are unsuitable for reports that are mailed
around and opened offline: they load require.js, MathJax and mermaid from CDNs, inline
~250 kB of JupyterLab CSS and show code, prompts, warnings and tracebacks.  We render with the
small template in ``selfeval/templates/nbconvert/selfeval`` (it reuses nbconvert's lab cell
markup and replaces the page shell) and with inputs and prompts excluded.

Diagnostics (stderr streams, errors, papermill's error banner cells) are never shown to the
reader.  Because dropping them silently would hide real problems, :func:`leaked_outputs`
lists them so a caller can fail loudly; :func:`external_references` checks that the result
really needs nothing from outside the file.
"""

from __future__ import annotations

import copy
import html
import re
import threading
from importlib import resources
from pathlib import Path

import nbformat
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter

__all__ = [
    "TEMPLATE_NAME",
    "external_references",
    "leaked_outputs",
    "notebook_to_html",
    "template_basedir",
]

TEMPLATE_NAME = "selfeval"
#: papermill inserts Markdown banner cells with this tag when a cell fails.
PAPERMILL_ERROR_TAG = "papermill-error-cell-tag"

# Outputs that only make sense with JavaScript running; the report has no scripts.
_SCRIPT_MIMETYPES = frozenset({"application/javascript", "application/vnd.jupyter.widget-view+json"})

# A table cell that holds only a number: 1,234.5 / -3 / 12.5% / ＋8.0％ / (1,200).
_NUMBER = re.compile(r"[(（]?[-+−－＋]?[\d,，]*\.?\d+\s*[%％‰]?[)）]?")

# src/href/url() values that do not point outside the document.
_LOCAL_REF = re.compile(r"^(data:|#|$)", re.IGNORECASE)
_ATTR_REF = re.compile(r"""\b(?:src|href|srcset|action|poster)\s*=\s*["']?([^"'\s>]*)""", re.I)
_CSS_REF = re.compile(r"""url\(\s*["']?([^"')\s]*)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"@import\b", re.IGNORECASE)


def template_basedir() -> Path:
    """Directory holding the ``selfeval`` nbconvert template (the template's parent)."""
    # files() resolves inside the installed package; templates ship as package data.
    return Path(str(resources.files("selfeval").joinpath("templates", "nbconvert")))


def _is_diagnostic(output: nbformat.NotebookNode) -> bool:
    kind = output.get("output_type")
    return kind == "error" or (kind == "stream" and output.get("name") == "stderr")


def _is_papermill_banner(cell: nbformat.NotebookNode) -> bool:
    return PAPERMILL_ERROR_TAG in cell.get("metadata", {}).get("tags", [])


def leaked_outputs(nb: nbformat.NotebookNode) -> list[str]:
    """List diagnostics in *nb* that :func:`notebook_to_html` hides from the reader.

    One string per stderr stream (warnings and logging land there), error output, or
    papermill error banner, each prefixed with its cell number (1-based) so the notebook
    author can find it.  An empty list means the report is clean.
    """
    found: list[str] = []
    for number, cell in enumerate(nb.cells, start=1):
        if _is_papermill_banner(cell):
            found.append(f"cell {number}: papermill error banner")
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream" and output.get("name") == "stderr":
                found.append(f"cell {number}: stderr: {output.get('text', '').strip()}")
            elif kind == "error":
                found.append(f"cell {number}: {output.get('ename')}: {output.get('evalue')}")
    return found


def _is_executable(output: nbformat.NotebookNode) -> bool:
    return any(m in _SCRIPT_MIMETYPES for m in output.get("data", {}))


def _report_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    # Work on a copy: callers keep the executed notebook (with its diagnostics) intact.
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        if _is_papermill_banner(cell):
            continue
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (_is_diagnostic(o) or _is_executable(o))]
            if not cell.outputs:  # e.g. papermill's injected-parameters cell
                continue
        cells.append(cell)
    nb.cells = cells
    return nb


_LOCAL = threading.local()


def _exporter() -> HTMLExporter:
    # One exporter per thread: it compiles its templates once (0.1 s a report), and
    # from_notebook_node registers per-notebook filters on the instance, so it is not shared
    # between threads. nbconvert's own command line reuses one for many notebooks too.
    exporter = getattr(_LOCAL, "exporter", None)
    if exporter is None:
        exporter = _LOCAL.exporter = _new_exporter()
    return exporter


def _new_exporter() -> HTMLExporter:
    return HTMLExporter(
        template_name=TEMPLATE_NAME,
        # Replacing the default list also drops nbconvert's default of os.getcwd(), so a
        # stray ./selfeval/ directory can never shadow the packaged template.
        extra_template_basedirs=[str(template_basedir())],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        embed_images=True,  # Markdown ![](chart.png) becomes a data: URI
        language_code="zh",  # must be ISO 639-1: "zh-CN" is rejected and reset to "en"
    )


def _numeric(text: str) -> bool:
    return bool(text) and _NUMBER.fullmatch(text) is not None


def _with_num(classes: list[str]) -> list[str]:
    # CSS cannot tell numbers from text; the class lets the stylesheet right-align them (once: a
    # template's own numeric cells have it already)
    return classes if "num" in classes else [*classes, "num"]


def _finish_soup(body: str) -> str:
    """Mark numeric cells and drop cell ids through BeautifulSoup: any page `_finish` cannot
    read cell by cell."""
    soup = BeautifulSoup(body, features="html.parser")
    for td in soup.find_all("td"):
        if _numeric(td.get_text(strip=True)):
            td["class"] = _with_num(td.get("class", []))
    for div in soup.find_all("div", id=re.compile(r"^cell-id=")):
        del div["id"]
    return str(soup)


# nbconvert's page has been through BeautifulSoup already (it adds alt text and tabindex): every
# attribute is double-quoted and every `<` in text or in an attribute value is escaped, so `<td`
# and `</td>` only ever open and close cells. Where a cell holds anything whose text BeautifulSoup
# would read differently (a nested cell, a comment, a script or style), the page goes through it.
_TD = re.compile(r"<td\b([^>]*)>(.*?)</td>", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_NOT_TEXT = re.compile(r"<(?:td\b|!|script\b|style\b|textarea\b|template\b)", re.IGNORECASE)
_CLASS = re.compile(r'(?<![\w-])class="([^"]*)"')
_CELL_ID = re.compile(r'(<div\b[^>]*?) id="cell-id=[^"]*"')
_ATTR = re.compile(r' ([^\s=]+)(?:="[^"]*")?')
_RAW_TEXT = re.compile(r"<(script|style)\b[^>]*>(.*?)</\1>", re.DOTALL | re.IGNORECASE)


def _finish(body: str) -> str:
    """The page with numeric table cells marked (class ``num``) and cell ids dropped: what a
    BeautifulSoup pass gives (`_finish_soup`, tested against it), in one pass over the text."""
    cells = list(_TD.finditer(body))
    raw = " ".join(m.group(2) for m in _RAW_TEXT.finditer(body))  # a style sheet is text, not cells
    if "<!--" in body or "<td" in raw or "cell-id=" in raw or any(_NOT_TEXT.search(m.group(2)) for m in cells):
        return _finish_soup(body)
    out, last = [], 0
    for m in cells:
        attrs, inner = m.group(1), m.group(2)
        if not _numeric("".join(html.unescape(part).strip() for part in _TAG.split(inner))):
            continue
        cls = _CLASS.search(attrs)
        if cls is None:  # where BeautifulSoup writes it: its attributes go in order of their names
            at = next((a.start() for a in _ATTR.finditer(attrs) if a.group(1) > "class"), len(attrs))
            attrs = f'{attrs[:at]} class="num"{attrs[at:]}'
        else:
            attrs = attrs[:cls.start(1)] + " ".join(_with_num(cls.group(1).split())) + attrs[cls.end(1):]
        out += [body[last:m.start()], f"<td{attrs}>{inner}</td>"]
        last = m.end()
    out.append(body[last:])
    # Cell ids change whenever papermill or an editor touches the notebook; dropping them keeps
    # identical reports byte-identical (nothing links to them).
    return _CELL_ID.sub(r"\1", "".join(out))


def notebook_to_html(nb: nbformat.NotebookNode, title: str, *, base_dir: str | Path | None = None) -> str:
    """Render executed notebook *nb* as a self-contained HTML page titled *title*.

    Shows Markdown cells and code-cell outputs (tables, images, Markdown/HTML displays,
    stdout); hides code, prompts, stderr, errors and papermill banners.  Images are
    embedded as data: URIs; Markdown images with relative paths are resolved against
    *base_dir* (default: the current directory) and embedded too.  No scripts, stylesheets
    or fonts are fetched.  *title* is escaped, so any text is safe.
    """
    report = _report_copy(nb)
    res = {
        "selfeval": {"title": title},
        "metadata": {"path": str(base_dir) if base_dir is not None else ""},
    }
    body, _ = _exporter().from_notebook_node(report, resources=res)
    return _finish(body)


def external_references(html: str) -> list[str]:
    """Return every reference in *html* that would be fetched from outside the file.

    Covers src/href/srcset/action/poster attributes, CSS ``url(...)`` and ``@import``;
    ``data:`` URIs and in-page ``#anchors`` are fine.  Relative paths count as external:
    they break as soon as the file is mailed.  An empty list means fully offline.
    """
    refs = [m for m in _ATTR_REF.findall(html) if not _LOCAL_REF.match(m)]
    refs += [m for m in _CSS_REF.findall(html) if not _LOCAL_REF.match(m)]
    refs += ["@import"] * len(_CSS_IMPORT.findall(html))
    return refs
