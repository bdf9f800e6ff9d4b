"""selfeval: review, rescore and report 财政支出项目绩效自评 forms.

The analyst's API (docs/api/): `load`, `review`, `review_params`, `review_file`,
`review_folder`, `list_rulesets`, `use_chinese_font`, the model types `Form`, `Indicator`,
`Evaluation`, `Finding`, `Ruleset` and the one exception base class `SelfevalError`.

    import selfeval
    ev = selfeval.review("form.txt")     # load → choose the ruleset → review
    ev.to_frame()                        # one row per indicator, float columns

Names are imported on first use, so `import selfeval` (and the command line) stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name → the module that defines it
_API = {
    "load": "api", "review": "api", "review_params": "api", "review_file": "api", "review_folder": "api",
    "form_files": "api", "list_rulesets": "api", "use_chinese_font": "api",
    "Form": "model", "Indicator": "model", "Evaluation": "scoring", "Finding": "findings",
    "Ruleset": "rulesets", "SelfevalError": "errors",
}

__all__ = ["Evaluation", "Finding", "Form", "Indicator", "Ruleset", "SelfevalError", "__version__", "form_files",
           "list_rulesets", "load", "review", "review_file", "review_folder", "review_params",
           "use_chinese_font"]

if TYPE_CHECKING:
    from .api import (
        form_files,
        list_rulesets,
        load,
        review,
        review_file,
        review_folder,
        review_params,
        use_chinese_font,
    )
    from .errors import SelfevalError
    from .findings import Finding
    from .model import Form, Indicator
    from .rulesets import Ruleset
    from .scoring import Evaluation


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'selfeval' has no attribute {name!r}")
    if module == "model":
        import_module(".layouts", __name__)  # registers the shipped layouts a Form may name
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
