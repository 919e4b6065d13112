"""Quote matching: exact, typographic quotes, no-break spaces, ambiguity, code points."""

from __future__ import annotations

import pytest

from loader import quotes
from loader.settings import PROJECT_DIR

TEXT_000 = (PROJECT_DIR / "seeds" / "texts" / "000_53c6d94c92055b8e.txt").read_text(
    encoding="utf-8"
)


def test_offsets_after_the_emoji_count_code_points() -> None:
    quote = "The US created Daesh terror group and killed the commander who defeated Daesh"
    match = quotes.find_quote(TEXT_000, quote)
    assert TEXT_000.index("🔻") < match.start
    assert TEXT_000[match.start : match.end] == quote
    # In UTF-16 (as JavaScript counts) the same place is one unit further per emoji before it.
    emojis_before = TEXT_000[: match.start].count("🔻")
    assert emojis_before == 1
    assert len(TEXT_000[: match.start].encode("utf-16-le")) // 2 == match.start + emojis_before


def test_straight_quotes_match_typographic_ones() -> None:
    text = "He said “we won” and it’s over."
    match = quotes.find_quote(text, '"we won" and it\'s over')
    assert match.exact == "“we won” and it’s over"
    assert (match.start, match.end) == (8, 30)


def test_space_matches_a_no_break_space() -> None:
    text = "a drone strike,\u00a0ordered by the president"
    assert quotes.find_quote(text, "strike, ordered by").exact == "strike,\u00a0ordered by"


def test_exact_otherwise() -> None:
    with pytest.raises(quotes.QuoteNotFoundError) as caught:
        quotes.find_quote("The Harbour Guild met.", "The Harbor Guild met")
    assert caught.value.closest.startswith("The Harbour Guild met")


def test_ambiguous_quote_needs_a_prefix() -> None:
    text = "First: the Guild met. Again: the Guild met."
    with pytest.raises(quotes.QuoteAmbiguousError) as caught:
        quotes.find_quote(text, "the Guild met")
    assert len(caught.value.prefixes) == 2
    assert quotes.find_quote(text, "the Guild met", prefix="Again:").start == 29
    with pytest.raises(quotes.QuoteNotFoundError):
        quotes.find_quote(text, "the Guild met", prefix="Never:")


def test_selector_context_is_32_code_points() -> None:
    match = quotes.find_quote(TEXT_000, "Iran is the heart of resistance")
    assert len(match.prefix) == 32 and len(match.suffix) == 32
    assert TEXT_000[match.start - 32 : match.start] == match.prefix


def test_span_ends_at_the_next_end_marker() -> None:
    text = "x A one B y A two B"
    assert quotes.find_span(text, "A one", "B") == (2, 9)


def test_one_pass_finds_what_each_quote_search_finds() -> None:
    """find_starts (one pass for all quotes) agrees with find_all (one search per quote)."""
    text = "He said “we won” and it’s over. aaaa We\u00a0won. it's 'we won' “we won”"
    wanted = ['"we won"', "it's", "it’s", "aa", "aaa", "We won", "we won", "absent", "W"]
    starts = quotes.find_starts(text, wanted)
    assert starts == {quote: quotes.find_all(text, quote) for quote in wanted}
    assert starts["aa"] == [32, 33, 34] and starts["it’s"] == [21]
    seed = quotes.find_starts(TEXT_000, [TEXT_000[i : i + 40] for i in range(0, 2000, 97)])
    assert all(offsets == quotes.find_all(TEXT_000, q) for q, offsets in seed.items())
