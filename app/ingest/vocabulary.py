"""What the extractor knows besides the rules: names of parties and organizations (the
gazetteer) and the words that suggest a topic or an area, from the reference data."""

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

# Names that contain a party's name but are not that party ("North Korea" is not the ROK).
NOT_PARTIES = ["North Korea", "North Korean", "DPRK", "Korean Peninsula", "Inter-Korean"]


def _alternative(name: str) -> str:
    """A name as a pattern: case as written (acronyms are not words), "the" either case."""
    bare = re.sub(r"^the ", "", name, flags=re.IGNORECASE)
    return re.escape(bare)


def _pattern(names: list[str]) -> re.Pattern[str]:
    # Longest first, so that "South Korea" wins over "Korea"; whole words only.
    alternatives = sorted({_alternative(name) for name in names}, key=len, reverse=True)
    return re.compile(r"(?<![\w.])(?:" + "|".join(alternatives) + r")(?![\w])")


@dataclass(frozen=True)
class Name:
    party: str
    organization: str | None
    aliases: list[str]


@dataclass(frozen=True)
class Tag:
    slug: str
    keywords: list[str]
    framework_adopted_on: date | None = None  # for a framework's areas


@dataclass(frozen=True)
class Vocabulary:
    names: list[Name]
    topics: list[Tag] = field(default_factory=list)
    areas: list[Tag] = field(default_factory=list)

    @cached_property
    def _name_patterns(self) -> list[tuple[Name, re.Pattern[str]]]:
        names = [*self.names, Name(party="", organization=None, aliases=NOT_PARTIES)]
        return [(name, _pattern(name.aliases)) for name in names if name.aliases]

    def named_in(self, text: str) -> list[tuple[int, Name]]:
        """Parties and organizations named in `text`, with where, in order; an
        organization's name counts for it, not also for its party."""
        found: list[tuple[int, int, Name]] = []
        for name, pattern in self._name_patterns:
            for match in pattern.finditer(text):
                found.append((match.start(), match.end(), name))
        found.sort(key=lambda item: (item[0], -(item[1] - item[0])))
        kept: list[tuple[int, Name]] = []
        covered_until = -1
        for start, end, name in found:
            if start >= covered_until:
                kept.append((start, name))
                covered_until = end
        return [(start, name) for start, name in kept if name.party]
