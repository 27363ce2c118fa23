"""Whether a candidate restates a commitment the register already holds.

rapidfuzz's token-set ratio compares the two quotes as sets of words, so a later statement
that wraps the same undertaking in new words ("reaffirmed their commitment to ...") still
scores high, where a character-level ratio would not; a TF-IDF model would need a corpus
these few statements do not make. Two quotes much shorter or longer than each other are
compared by their token-sort ratio instead, so that a short generic clause ("both sides will
cooperate") does not restate every long one that contains its words."""

from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

# From 0 to 100: alike enough to propose "restates" to the reviewer.
RESTATES_AT = 75.0
# Fewer words than this in the shorter quote, relative to the longer, and a subset is no
# longer enough.
LENGTH_RATIO = 0.5


@dataclass(frozen=True)
class Known:
    commitment_id: int
    ref: str
    quote: str


@dataclass(frozen=True)
class Restatement:
    known: Known
    score: float  # from 0 to 1


def _similarity(a: str, b: str, **_: object) -> float:
    shorter, longer = sorted((len(a.split()), len(b.split())))
    if longer and shorter / longer < LENGTH_RATIO:
        return fuzz.token_sort_ratio(a, b)
    return fuzz.token_set_ratio(a, b)


def restated(quote: str, known: list[Known]) -> Restatement | None:
    """The known commitment the quote most likely restates, if any is alike enough."""
    if not known:
        return None
    best = process.extractOne(
        quote,
        [item.quote for item in known],
        scorer=_similarity,
        processor=utils.default_process,
        score_cutoff=RESTATES_AT,
    )
    if best is None:
        return None
    _, score, index = best
    return Restatement(known[index], round(score / 100, 2))
