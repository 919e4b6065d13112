"""Write a SYNTHETIC corpus in the curated seed format, for benchmarks only.

Every name, text, date and statement it writes is invented by a seeded random
generator and marked SYNTHETIC (file headers, document titles, entity notes, the
first line of every text). Nothing in it comes from, or describes, a real source.

The corpus is shaped like a real archive so that every look-up has work to do:

- documents of about ``per_document`` assertions each, every one with its own text;
- entities cited with a Zipf-like skew, so one is cited very often and many rarely;
- a set of speakers (also Zipf-skewed), reporting chains (``via``) of one or two
  steps, hedged assertions, dated claims (``when``: year, month or day);
- denials (``stance: denies``) that ``dispute`` an earlier assertion of the same
  triple, and corroborations, so contested claims exist; one "popular" triple is
  asserted (and denied) many times.

:func:`write_corpus` returns a :class:`Corpus` naming the ids the benchmark looks
up (the most and least cited entity, a triple asserted once, the popular triple…).
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import math
import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path

MARK = "SYNTHETIC"
HEADER = (
    f"# {MARK} benchmark data written by benchmarks/corpus.py: every name, date and\n"
    "# statement in this file is invented. It describes no real person, body or event.\n"
)
TEXT_HEADER = (
    f"{MARK} TEXT written by benchmarks/corpus.py for the Attest benchmark. Every name, "
    "date and statement in it is invented.\n\n"
)

# Claim relations whose domain and range accept any Person or Organization.
VERBS = {
    "armed": "armed",
    "created": "created",
    "supported": "supported",
    "fought": "fought",
    "met": "met",
    "killed": "killed",
    "persuaded": "persuaded",
    "memberOf": "became a member of",
    "attacked": "attacked",
    "praised": "praised",
}
RELATIONS = tuple(VERBS)
HEDGES = ("reportedly", "apparently", "supposedly")
SYLLABLES = (
    "ka vel dor mi tas ren ol bri zan quo thu ul ne sar fi gol mar esk ti vo "
    "lun pra dek so hal wi nor ast ber ky mo trel in yas gra pol eth ru fen"
).split()
ORG_NOUNS = ("Council", "Union", "Front", "League", "Assembly", "Bureau", "Network", "Company")


@dataclasses.dataclass(frozen=True)
class Corpus:
    """What was written, and the ids whose look-ups the benchmark times."""

    root: Path
    assertions: int
    documents: int
    entities: int
    speakers: int
    most_cited: str
    most_cited_count: int
    rarely_cited: str
    rarely_cited_count: int
    top_speaker: str
    document: str
    popular_triple: tuple[str, str, str]
    popular_count: int
    single_triple: tuple[str, str, str]
    name_query: str
    quote_query: str


class _Zipf:
    """Draw indexes 0..n-1 with weight 1/(k+1)**s (a few common, most rare)."""

    def __init__(self, n: int, rng: random.Random, s: float = 1.0) -> None:
        self.rng = rng
        self.cumulative = list(itertools.accumulate(1 / (k + 1) ** s for k in range(n)))

    def draw(self) -> int:
        return bisect.bisect(self.cumulative, self.rng.random() * self.cumulative[-1])


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(syllables))


def _unique(seen: set[str], make: Callable[[], str]) -> str:
    for _ in range(1000):
        text = make()
        if text not in seen:
            seen.add(text)
            return text
    raise RuntimeError("could not invent a unique name; widen SYLLABLES")


def _q(text: str) -> str:
    """Quote *text* as a single-quoted YAML scalar."""
    return "'" + text.replace("'", "''") + "'"


def _date(rng: random.Random) -> str:
    year = rng.randint(1980, 2024)
    precision = rng.random()
    if precision < 0.4:
        return str(year)
    if precision < 0.7:
        return f"{year}-{rng.randint(1, 12):02d}"
    return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def write_corpus(root: Path, assertions: int, *, per_document: int = 100, seed: int = 8) -> Corpus:
    """Write seeds for *assertions* synthetic assertions under *root*.

    :returns: the :class:`Corpus` with the ids to look up.
    :raises ValueError: if *assertions* is below 20 (too few for every look-up).
    :raises OSError: if the files cannot be written.
    """
    if assertions < 20:
        raise ValueError("a benchmark corpus needs at least 20 assertions")
    rng = random.Random(seed)
    for sub in ("texts", "entities", "documents"):
        (root / sub).mkdir(parents=True, exist_ok=True)

    # --- entities: Zipf-cited agents, a few of them speakers and publishers -------------
    n_entities = max(40, assertions // 20)
    seen: set[str] = set()
    ids: list[str] = []
    labels: list[str] = []
    lines = [HEADER, "entities:\n"]
    for i in range(n_entities):
        person = i % 2 == 0
        if person:
            label = _unique(seen, lambda: f"{_word(rng, 2).title()} {_word(rng, 3).title()}")
            entity_id = f"syn-person-{i}"
        else:
            label = _unique(seen, lambda: f"{_word(rng, 3).title()} {rng.choice(ORG_NOUNS)}")
            entity_id = f"syn-org-{i}"
        ids.append(entity_id)
        labels.append(label)
        lines.append(
            f"  - id: {entity_id}\n    type: {'Person' if person else 'Organization'}\n"
            f"    label: {_q(label)}\n"
        )
        if i % 3 == 0:  # a spelling variant, as real texts have
            lines.append(f"    aliases: [{_q(label.replace('a', 'ah', 1))}]\n")
        lines.append(f"    note: {MARK} entity invented for the Attest benchmark.\n")
    (root / "entities" / "synthetic.yaml").write_text("".join(lines), encoding="utf-8")

    cited = _Zipf(n_entities, rng)
    n_speakers = max(8, assertions // 500)
    speaker_ids = [ids[2 * k] for k in range(min(n_speakers, n_entities // 2))]  # persons
    speakers = _Zipf(len(speaker_ids), rng, s=0.8)
    publishers = [ids[2 * k + 1] for k in range(min(10 + assertions // 5000, n_entities // 2))]
    vocabulary = [_word(rng, 2) + _word(rng, 1) for _ in range(2000)]
    words = _Zipf(len(vocabulary), rng)
    used: Counter[str] = Counter()  # words of quotes, for the text search to look up

    # --- documents and their assertions ---------------------------------------------------
    popular = (ids[0], "armed", ids[1])
    triples: Counter[tuple[str, str, str]] = Counter()
    citations: Counter[str] = Counter()
    by_speaker: Counter[str] = Counter()
    affirmed: list[tuple[str, tuple[str, str, str]]] = []
    popular_affirmed: list[str] = []
    n_documents = math.ceil(assertions / per_document)
    made = 0
    for d in range(n_documents):
        doc_id = f"synthetic-doc-{d:06d}"
        publisher = publishers[d % len(publishers)]
        sentences: list[str] = []
        items: list[str] = []
        for j in range(min(per_document, assertions - made)):
            made += 1
            assertion_id = f"syn-d{d}-a{j}"
            speaker = speaker_ids[speakers.draw()]
            by_speaker[speaker] += 1
            extra: list[str] = []
            roll = rng.random()
            stance = "affirms"
            if made % 40 == 0:
                triple = popular
            elif roll < 0.06 and affirmed:  # a denial disputing an earlier assertion
                stance = "denies"
                if popular_affirmed and rng.random() < 0.3:
                    target = rng.choice(popular_affirmed)
                    triple = popular
                else:
                    target, triple = rng.choice(affirmed)
                extra.append(f"    stance: denies\n    disputes: [{target}]\n")
            elif roll < 0.09 and affirmed:  # a corroboration of an earlier assertion
                target, triple = rng.choice(affirmed)
                extra.append(f"    corroborates: [{target}]\n")
            else:
                subject = cited.draw()
                obj = cited.draw()
                while obj == subject:
                    obj = cited.draw()
                triple = (ids[subject], rng.choice(RELATIONS), ids[obj])
            claim = [triple]
            if stance == "affirms" and rng.random() < 0.1:  # a detail triple
                other = ids[cited.draw()]
                if other != triple[0]:
                    claim.append((triple[0], "met", other))
            for s, _, o in claim:
                citations[s] += 1
                citations[o] += 1
            triples[triple] += 1
            subject_label = labels[_index(triple[0])]
            object_label = labels[_index(triple[2])]
            speaker_label = labels[_index(speaker)]
            hedge = ""
            if stance == "affirms" and rng.random() < 0.08:
                hedge = rng.choice(HEDGES)
                extra.append(f"    hedge: {hedge}\n")
            verb = VERBS[triple[1]]
            drawn = [vocabulary[words.draw()] for _ in range(3)]
            used.update(drawn)
            filler = " ".join(drawn)
            if stance == "denies":
                body = (
                    f"{speaker_label} denied that {subject_label} {verb} {object_label}, "
                    f"calling the {filler} account false"
                )
            else:
                body = (
                    f"{speaker_label} said that {subject_label} {hedge + ' ' if hedge else ''}"
                    f"{verb} {object_label} during the {filler} affair"
                )
            if rng.random() < 0.25:  # a reporting chain of one or two steps
                agency = publishers[rng.randrange(len(publishers))]
                steps = [f"{{by: {publisher}, in: {doc_id}}}"]
                if agency != publisher:
                    steps.append(f"{{by: {agency}}}")
                    body = f"According to {labels[_index(agency)]}, {body}"
                extra.append(f"    via: [{', '.join(steps)}]\n")
            when = ""
            if rng.random() < 0.6:
                when = _date(rng)
                body += f" in {when}"
                extra.append(f"    when: {_q(when)}\n")
            quote = f"Item {j}: {body}"
            sentences.append(quote + ".")
            claim_yaml = ", ".join(f"[{s}, {p}, {o}]" for s, p, o in claim)
            items.append(
                f"  - id: {assertion_id}\n    claim: [{claim_yaml}]\n    speaker: {speaker}\n"
                f"    quote: {_q(quote)}\n" + "".join(extra)
            )
            if stance == "affirms":
                affirmed.append((assertion_id, triple))
                if triple == popular:
                    popular_affirmed.append(assertion_id)
        text_name = f"synthetic-{d:06d}.txt"
        (root / "texts" / text_name).write_text(
            TEXT_HEADER + "\n".join(sentences) + "\n", encoding="utf-8"
        )
        title = f"{MARK} benchmark document {d}: the {vocabulary[words.draw()]} report"
        (root / "documents" / f"{d:06d}-synthetic.yaml").write_text(
            HEADER
            + "documents:\n"
            + f"  - id: {doc_id}\n    kind: Article\n    title: {_q(title)}\n"
            + f"    text: texts/{text_name}\n    publisher: {publisher}\n"
            + f"    author_note: {_q(MARK + ': invented for the Attest benchmark; no author.')}\n"
            + f"    issued: {_q(_date(rng))}\n"
            + "assertions:\n"
            + "".join(items),
            encoding="utf-8",
        )

    most_cited, most_count = citations.most_common(1)[0]
    rare_count = min(citations.values())
    rarely = next(e for e in ids if citations.get(e) == rare_count)
    single = next(
        (t for t, n in triples.items() if n == 1 and t[1] not in ("met", "fought")),
        next(iter(triples)),
    )
    return Corpus(
        root=root,
        assertions=assertions,
        documents=n_documents,
        entities=n_entities,
        speakers=len(speaker_ids),
        most_cited=most_cited,
        most_cited_count=most_count,
        rarely_cited=rarely,
        rarely_cited_count=rare_count,
        top_speaker=by_speaker.most_common(1)[0][0],
        document=f"synthetic-doc-{n_documents // 2:06d}",
        popular_triple=popular,
        popular_count=triples[popular],
        single_triple=single,
        name_query=labels[min(10, n_entities - 1)].split()[0],
        # A word in many quotes (the 10th most used), so the text search has pages to fill.
        quote_query=[word for word, _ in used.most_common(10)][-1],
    )


def _index(entity_id: str) -> int:
    return int(entity_id.rsplit("-", 1)[1])
