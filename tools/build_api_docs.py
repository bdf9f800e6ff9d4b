"""Write the API reference (docs/api/) from the docstrings, with pdoc.

Run after changing a public function, class or docstring:
    python tools/build_api_docs.py
tests/test_api_docs.py checks that the pages list what `selfeval.__all__` exports.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The analyst's API and the types it returns.
MODULES = ["selfeval", "selfeval.form.model", "selfeval.assess.evaluation", "selfeval.assess.findings", "selfeval.views.frames",
           "selfeval.errors"]


def build(out: Path) -> None:
    import pdoc
    import pdoc.render

    pdoc.render.configure(show_source=False, search=False, footer_text="selfeval API reference",
                          docformat="markdown")
    if out.exists():
        shutil.rmtree(out)
    pdoc.pdoc(*MODULES, output_directory=out)
    # A pydantic field without a default reads "= PydanticUndefined" in pdoc's page: show none,
    # as the field's own signature does (and no memory address of a default object either).
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        clean = re.sub(r'\s*=\s*<span class="default_value">PydanticUndefined</span>', "", text)
        clean = re.sub(r" at 0x[0-9a-f]+&gt;", "&gt;", clean)
        clean = clean.replace(", json_schema_input_type=PydanticUndefined", "")
        if clean != text:
            page.write_text(clean, encoding="utf-8")


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "api"
    build(target)
    print("wrote", target)
