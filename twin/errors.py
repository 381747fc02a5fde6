"""Error types that carry where in the user's file a problem is.

A `LayoutError` holds every problem found in one file, each with the file,
the 1-based line (when known), the path inside the document
(``halls[2].racks[14].power_kw``), the id of the component there (``R03-15``) and a
message that says what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def names(ids: tuple[str, ...] | list[str]) -> str:
    """'A', 'A and B', 'A, B and C', 'A, B and 6,998 more': many components in one message."""
    ids = tuple(ids)
    if len(ids) <= 3:
        return ids[0] if len(ids) == 1 else ", ".join(ids[:-1]) + f" and {ids[-1]}"
    return f"{ids[0]}, {ids[1]} and {len(ids) - 2:,} more"


def count(n: int, noun: str) -> str:
    """'1 hall', '2 halls', '12,000 racks': a count with its noun in the right number."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def some(ids, shown: int = 5) -> str:
    """'A, B, C, D, E and 7 more': the first `shown` of `ids`, and how many more (a list of
    what is allowed, where `names` keeps two)."""
    ids = [str(i) for i in ids]
    more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
    return ", ".join(ids[:shown]) + more


@dataclass(frozen=True)
class Problem:
    """One located problem in a layout file."""

    file: str
    path: str
    message: str
    line: int | None = None
    component: str | None = None  # the id of the component the path is in, if it has one

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.path:
            where += f": {self.path}"
        if self.component:
            where += f": {self.component}"
        return f"{where}: {self.message}"


@dataclass
class LayoutError(Exception):
    """A layout file is invalid; `problems` lists every problem found, in file order.

    `notes` say what the check could not do because of them (e.g. components the schema
    refused were left out of the reference checks); they are not problems, so the count in
    the message (and everywhere else) is `len(problems)` and they are printed after it."""

    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    what: str = "layout"  # the kind of file, for the message's head ("site file", ...)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def brief(self, n: int = 3) -> str:
        """The first `n` problems on one line (component id and message), then how many
        more: for a message that quotes a layout it made and cannot show whole."""
        shown = [f"{p.component}: {p.message}" if p.component else p.message for p in self.problems]
        more = len(shown) - n
        return "; ".join(shown[:n]) + (f"; ... and {more} more" if more > 0 else "")

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in {self.what}"
        lines = [f"  {p}" for p in self.problems] + [f"  note: {p}" for p in self.notes]
        return head + ":\n" + "\n".join(lines)


class ScenarioError(ValueError):
    """A scenario names something the twin does not have (e.g. an unknown component id)."""
