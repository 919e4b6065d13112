"""Find a quote in a document's text: code-point offsets and text selectors.

Matching is exact, with two conveniences: a straight quote or apostrophe in
the curated quote also matches a typographic one in the text (' matches ‘ ’
and " matches “ ”), and a space also matches a no-break space (U+00A0), which
some texts hide between words. Offsets count Unicode code points, as Python strings and the
W3C TextPositionSelector do (an emoji is one, not two as in UTF-16).
"""

from __future__ import annotations

import dataclasses
import difflib
import re

CONTEXT = 32
_EQUIVALENTS = {"'": "['‘’]", '"': '["“”]', " ": "[ \u00a0]"}


@dataclasses.dataclass(frozen=True)
class QuoteMatch:
    """A quote located in a text: [start, end) in code points, plus context."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


class QuoteNotFoundError(ValueError):
    """The quote is not in the text; ``closest`` is the nearest passage."""

    def __init__(self, closest: str) -> None:
        super().__init__("quote not found")
        self.closest = closest


class QuoteAmbiguousError(ValueError):
    """The quote occurs more than once; ``prefixes`` tell the places apart."""

    def __init__(self, prefixes: list[str]) -> None:
        super().__init__(f"quote found {len(prefixes)} times")
        self.prefixes = prefixes


def _pattern(quote: str) -> str:
    return "".join(_EQUIVALENTS.get(char, re.escape(char)) for char in quote)


def find_all(text: str, quote: str) -> list[int]:
    """Return the start offsets of every occurrence of *quote* (overlaps included)."""
    if not quote:
        return []
    regex = re.compile(f"(?=({_pattern(quote)}))")
    return [match.start() for match in regex.finditer(text)]


_FOLD = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "\u00a0": " "})
_WINDOW = 16


def _matches_at(text: str, quote: str, start: int) -> bool:
    """Tell whether *quote* matches *text* at *start* under the equivalences above."""
    if text.startswith(quote, start):
        return True
    if start + len(quote) > len(text):
        return False
    for char, found in zip(quote, text[start : start + len(quote)], strict=True):
        if char != found and not (char in _EQUIVALENTS and found.translate(_FOLD) == char):
            return False
    return True


def find_starts(text: str, quotes: list[str]) -> dict[str, list[int]]:
    """Find every occurrence of each of *quotes* in *text* in one pass over the text.

    Folding curly quotes and no-break spaces is one code point for one, so offsets
    in the folded text are offsets in the text. Each position's window of the
    folded text is looked up among the quotes' folded openings; a hit is then
    checked exactly. The cost follows the length of the text, not quotes × text.

    :returns: for each quote, the start offsets (overlaps included), as :func:`find_all`.
    """
    wanted = [q for q in dict.fromkeys(quotes) if q]
    found: dict[str, list[int]] = {q: [] for q in quotes}
    if not wanted:
        return found
    width = min(_WINDOW, *(len(q) for q in wanted))
    openings: dict[str, list[str]] = {}
    for quote in wanted:
        openings.setdefault(quote[:width].translate(_FOLD), []).append(quote)
    folded = text.translate(_FOLD)
    for start in range(len(text) - width + 1):
        candidates = openings.get(folded[start : start + width])
        if candidates is not None:
            for quote in candidates:
                if _matches_at(text, quote, start):
                    found[quote].append(start)
    return found


def find_quote(
    text: str, quote: str, prefix: str | None = None, starts: list[int] | None = None
) -> QuoteMatch:
    """Locate *quote* in *text*, using *prefix* (the words just before it) to choose.

    :param starts: the quote's occurrences if already found (see :func:`find_starts`).
    :returns: the match with offsets and the W3C quote selector's exact, prefix, suffix.
    :raises QuoteNotFoundError: if it is absent (or absent after that prefix).
    :raises QuoteAmbiguousError: if it occurs more than once and no prefix settles it.
    """
    if starts is None:
        starts = find_all(text, quote)
    if prefix:
        before = re.compile(_pattern(prefix.rstrip()) + r"\s*\Z")
        starts = [s for s in starts if before.search(text, max(0, s - len(prefix) - 64), s)]
    if not starts:
        raise QuoteNotFoundError(closest_passage(text, quote))
    if len(starts) > 1:
        raise QuoteAmbiguousError([_context_before(text, s) for s in starts])
    start = starts[0]
    end = start + len(quote)
    return QuoteMatch(
        start=start,
        end=end,
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT) : start],
        suffix=text[end : end + CONTEXT],
    )


def find_span(text: str, first: str, last: str) -> tuple[int, int]:
    """Locate the span that begins with *first* (unique) and ends at the next *last*.

    :returns: [start, end) in code points.
    :raises QuoteNotFoundError: if either end is absent, or *last* is not after *first*.
    :raises QuoteAmbiguousError: if *first* occurs more than once.
    """
    start = find_quote(text, first).start
    for end in find_all(text, last):
        if end >= start and end + len(last) >= start + len(first):
            return start, end + len(last)
    raise QuoteNotFoundError(closest_passage(text[start:], last))


def closest_passage(text: str, quote: str) -> str:
    """Return the passage of *text* most like *quote*, for an error message.

    The longest common run locates the region; within it, the first matching
    run fixes where the passage starts.
    """
    if not text or not quote:
        return ""
    matcher = difflib.SequenceMatcher(None, text, quote, autojunk=False)
    longest = matcher.find_longest_match(0, len(text), 0, len(quote))
    if longest.size == 0:
        return ""
    low = max(0, longest.a - longest.b - 20)
    region = text[low : longest.a - longest.b + len(quote) + 20]
    blocks = difflib.SequenceMatcher(None, region, quote, autojunk=False).get_matching_blocks()
    first = next((block for block in blocks if block.size >= 3), blocks[0])
    start = low + max(0, first.a - first.b)
    return text[start : start + len(quote) + 10].replace("\n", " ").strip()


def _context_before(text: str, start: int) -> str:
    return text[max(0, start - 40) : start].replace("\n", " ").lstrip()
