"""selfeval: review, rescore and report 财政支出项目绩效自评 forms.

The analyst's API. Every call goes through one pipeline (load → choose the ruleset → review),
the same one the command line and the HTML reports use, so a number here is the report's number.

## Review one form

```python
import selfeval

ev = selfeval.review("forms/greening.txt")   # .txt/.xlsx/.xls/.yaml/.html/.docx/.pdf
ev                                            # in JupyterLab: totals, indicators, findings
ev.review_total, ev.rating                    # exact Decimal, e.g. Decimal('67.84'), '良'
ev.to_frame()                                 # one row per indicator, float columns
ev.findings_frame(lang="zh")                  # one row per finding, Chinese column names
```

`selfeval.review(form, ruleset=None)` takes a path or a `Form` from `selfeval.load(path)`; the
ruleset is chosen by the form's layout, year and region unless you name one
(`"suzhou-2023"`, a ruleset file, or a `Ruleset`). `selfeval.list_rulesets()` lists them.

## Compare projects

```python
table = selfeval.review_folder("forms")       # one row per form in the folder
table[["project_name", "self_total", "review_total", "difference", "rating"]]
table.sort_values("difference").plot.barh(x="project_name", y="difference")
by_indicator = selfeval.review_folder("forms", indicators=True)
```

A form that cannot be read keeps its row, with the reason in `error`. `lang="zh"` gives the
Chinese column names of `scores.xlsx`; `to_frame(exact=True)` keeps exact decimals.

## The 复核意见书

`selfeval.write_opinion(ev, "out/greening.docx")` writes the review as a Word document a bureau
can sign and send (a params file in place of `ev` fills its 文号, 审核人, 负责人 and 整改期限).

## Year over year
```python
h = selfeval.history("reports/selfeval.db")   # every project-year a batch stored (or a folder of forms)
h.pivot(index="project_name", columns="year", values="review_share")
selfeval.history("reports/selfeval.db", indicators=True)   # one row per indicator and year
```
A batch keeps every review in `selfeval.db` in its output folder; `selfeval history add FOLDER`
back-fills earlier years. Each report compares its project with the year before it.

## Charts with Chinese labels

Call `selfeval.use_chinese_font()` once before plotting (it registers the bundled Noto Sans SC),
and `selfeval.show_figure(fig)` to show a figure as a PNG that is the same on every run.

Errors are `SelfevalError` (one base class) and name the file, row and field at fault. The
notebook `notebooks/analyst_guide.ipynb` walks through all of this on the bundled examples
(`selfeval.example_folder()`). Names are imported on first use, so `import selfeval` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from selfeval.version import __version__

#: public name → the module that defines it
_API = {
    "load": "api", "review": "api", "review_params": "api", "review_file": "api", "review_folder": "api",
    "form_files": "api", "list_rulesets": "api", "use_chinese_font": "api", "show_figure": "api",
    "example_folder": "api", "write_opinion": "api", "history": "record.frames", "report_notebook": "api",
    "report_template_dir": "api",
    "Form": "form.model", "Indicator": "form.model", "Evaluation": "assess.evaluation", "Finding": "assess.findings",
    "Ruleset": "assess.rulesets", "SelfevalError": "errors",
}

__all__ = ["Evaluation", "Finding", "Form", "Indicator", "Ruleset", "SelfevalError", "__version__",
           "example_folder", "form_files", "history", "list_rulesets", "load", "report_notebook", "report_template_dir",
           "review", "review_file", "review_folder",
           "review_params", "show_figure", "use_chinese_font", "write_opinion"]

if TYPE_CHECKING:
    from selfeval.api import (
        example_folder,
        form_files,
        list_rulesets,
        load,
        report_notebook,
        report_template_dir,
        review,
        review_file,
        review_folder,
        review_params,
        show_figure,
        use_chinese_font,
        write_opinion,
    )
    from selfeval.assess.evaluation import Evaluation
    from selfeval.assess.findings import Finding
    from selfeval.assess.rulesets import Ruleset
    from selfeval.errors import SelfevalError
    from selfeval.form.model import Form, Indicator
    from selfeval.record.frames import history


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'selfeval' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
