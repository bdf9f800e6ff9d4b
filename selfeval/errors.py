"""The one exception hierarchy of selfeval.

Every error names *where* the problem is (file, row/line, field) so a user can fix the input
without reading a traceback. `Problem` is one such located complaint; a `FormError` carries all of
them at once because a form with five bad cells should be fixed in one pass, not five.
"""

from __future__ import annotations

from dataclasses import dataclass


class SelfevalError(Exception):
    """Base class of every selfeval error."""


@dataclass(frozen=True)
class Problem:
    """One located complaint about an input file."""

    source: str  # file path (or a label such as "<string>")
    where: str  # "line 34", "row 12", "indicators[3].weight", ...
    field: str  # what was being read, in the user's words
    seen: str  # the value that was found
    expected: str  # what would have been acceptable

    def __str__(self) -> str:
        loc = f"{self.source}: {self.where}" if self.where else self.source
        return f"{loc}: {self.field}: saw {self.seen!r}, expected {self.expected}"


class FormError(SelfevalError):
    """A form could not be read or validated; lists every problem found."""

    def __init__(self, problems: list[Problem] | Problem | str, source: str = ""):
        if isinstance(problems, Problem):
            problems = [problems]
        if isinstance(problems, str):
            problems = [Problem(source, "", "file", "", problems)]
        self.problems: list[Problem] = list(problems)
        super().__init__(self._render())

    def _render(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        head = f"{len(self.problems)} problems:"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


class RulesetError(SelfevalError):
    """A ruleset is unknown or its file is malformed."""


class LayoutError(SelfevalError):
    """A layout file is malformed, or names a layout or labels entry that does not exist."""


class ParamsError(SelfevalError):
    """A params file is malformed (unknown key, wrong type, missing form)."""


class DecisionsError(SelfevalError):
    """A reviewer decisions file is malformed or refers to unknown indicators/findings."""


class RecordError(SelfevalError):
    """The record across years (its database) cannot be opened, read or written."""
