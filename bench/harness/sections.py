"""What the report is made of, as data: sections of paragraphs, tables and verdicts.

Each feature's bench module turns its measurements into ``Section``s; ``bench.report``
renders any section to Markdown and lays out the page around them. A ``Verdict`` is one
row of the page's Targets table, wherever it was measured.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]
    align: str = ""  # one letter per column, "l" or "r" (numbers); all left when empty


@dataclass(frozen=True)
class Bullets:
    items: list[str]


Block = str | Table | Bullets  # a paragraph, a table or a bullet list


@dataclass(frozen=True)
class Verdict:
    """A target and what was measured against it."""

    name: str
    measured: str
    target: str  # the rule: "≤ 2", "< 3 s, 0 Scan"
    ok: bool

    @property
    def mark(self) -> str:
        return "PASS" if self.ok else "FAIL"


@dataclass
class Section:
    title: str
    body: list[Block] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)  # gathered into the page's Targets table
    caveats: list[str] = field(default_factory=list)  # gathered into the page's Method and caveats
    # The bench itself went wrong (a live record removed, ...): exit 1 whatever --strict says.
    failures: list[str] = field(default_factory=list)

    def walk(self) -> list[Section]:
        """This section and all its subsections, depth first."""
        return [self, *(s for sub in self.subsections for s in sub.walk())]
