"""The API reference (docs/api/, built by tools/build_api_docs.py with pdoc) documents the API."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

import selfeval

ROOT = Path(__file__).resolve().parent.parent


def _documented(page: Path) -> set[str]:
    return set(re.findall(r'<section id="([A-Za-z_]+)">', page.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    spec = importlib.util.spec_from_file_location("build_api_docs", ROOT / "tools" / "build_api_docs.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = tmp_path_factory.mktemp("api")
    tool.build(out)
    return out


def test_the_reference_documents_every_public_name(built):
    page = built / "selfeval.html"
    assert _documented(page) >= set(selfeval.__all__)
    text = page.read_text(encoding="utf-8")
    for name in selfeval.__all__:
        if name != "__version__":  # each docstring's first line is on the page
            first = getattr(selfeval, name).__doc__.strip().splitlines()[0]
            assert first.split("`")[0][:40] in text, name
    assert "review_folder" in text and "Compare projects" in text
    assert (built / "selfeval" / "assess" / "evaluation.html").is_file() and (built / "selfeval" / "form" / "model.html").is_file()


def test_the_committed_reference_is_current(built):
    committed = ROOT / "docs" / "api"
    assert {p.relative_to(committed) for p in committed.rglob("*.html")} == \
        {p.relative_to(built) for p in built.rglob("*.html")}
    for page in built.rglob("*.html"):
        assert _documented(committed / page.relative_to(built)) == _documented(page), \
            f"docs/api/{page.relative_to(built)} is stale: run python tools/build_api_docs.py"


def test_signatures_read_as_values_not_internals(built):
    for page in built.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "PydanticUndefined" not in text, page
        assert not re.search(r"object at 0x[0-9a-f]+", text), page
