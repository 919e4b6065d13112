"""Look inside SPARQL text without evaluating it: nesting depth, SERVICE endpoints, LOAD.

SERVICE endpoints and LOAD are read by a complete SPARQL parser (rdflib's, up to
its algebra), never guessed by a tokenizer: a query it cannot read is not
admitted to the federation workers. This check decides only *where* a query
runs; what a query can reach is bounded by the workers' network namespaces
(:mod:`server.isolation`). The small tokenizer below serves only to notice
USING/WITH in updates.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import threading
from typing import Any

from pyparsing import ParseResults
from rdflib.plugins.sparql.algebra import translatePName
from rdflib.plugins.sparql.algebra import translatePrologue
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.algebra import translateUpdate
from rdflib.plugins.sparql.algebra import traverse
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parser import parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef
from rdflib.term import Variable

_TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
  | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w.\-\u00B7-\uFFFF]*)?:(?:[\w\-:%.\u00B7-\uFFFF]*[\w\-:%\u00B7-\uFFFF])?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<space>\s+)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclasses.dataclass(frozen=True)
class Token:
    kind: str
    text: str
    offset: int


def tokens(text: str) -> list[Token]:
    """Split SPARQL text into tokens, without comments and white space."""
    found = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("comment", "space"):
            found.append(Token(kind, match.group(), match.start()))
    return found


class ServiceRefusedError(ValueError):
    """A SERVICE clause names an endpoint that may not be called, or cannot be known."""


class UnreadableError(ValueError):
    """The complete parser cannot read the text, so what it reaches cannot be known."""


_PARSER_LOCK = threading.Lock()  # pyparsing keeps state per grammar element
_MAY_REACH = re.compile(r"service|load|\\u|\\U", re.IGNORECASE)
_OPENING = frozenset("{([")
_CLOSING = frozenset("})]")


def nesting_depth(text: str) -> int:
    """Return the deepest nesting of brackets in *text* (inside strings too: an upper bound)."""
    depth = deepest = 0
    for char in text:
        if char in _OPENING:
            depth += 1
            deepest = max(deepest, depth)
        elif char in _CLOSING and depth:
            depth -= 1
    return deepest


def may_reach_network(text: str) -> bool:
    """Tell whether *text* could hold SERVICE or LOAD at all (a fast pre-filter, never a guarantee)."""
    return _MAY_REACH.search(text) is not None


def _walk(node: Any, found: list[CompValue]) -> None:
    if isinstance(node, CompValue):
        if node.name in ("ServiceGraphPattern", "Load"):
            found.append(node)
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, (list, tuple, ParseResults)):
        for value in node:
            _walk(value, found)


def service_endpoints(text: str, base: str | None = None, *, update: bool = False) -> list[str]:
    """Return every SERVICE endpoint a query (or update) calls, as the complete parser reads it.

    :param base: the IRI relative references resolve against (the engine's base IRI).
    :raises UnreadableError: if rdflib's parser cannot read the text.
    :raises ServiceRefusedError: for a SERVICE whose endpoint is a variable, or a LOAD.
    """
    in_tree: list[CompValue] = []
    found: list[CompValue] = []
    with _PARSER_LOCK:
        try:
            if update:
                parsed_update = parseUpdate(text)
                _walk(parsed_update, in_tree)
                _walk(translateUpdate(parsed_update, base=base).algebra, found)
            else:
                parsed_query = parseQuery(text)
                _walk(parsed_query, in_tree)
                _walk(translateQuery(parsed_query, base=base).algebra, found)
        except Exception as exc:  # rdflib raises many kinds; all mean "cannot read it"
            first = str(exc).split("\n")[0][:200]
            raise UnreadableError(f"the SPARQL parser cannot read it ({first})") from None
    if len(in_tree) != len(found):
        raise UnreadableError("the SPARQL parser's readings of its SERVICE clauses disagree")
    endpoints = []
    for node in found:
        if node.name == "Load":
            raise ServiceRefusedError(
                "LOAD is refused: the server does not fetch data from the network"
            )
        term = node.get("term")
        if isinstance(term, Variable):
            raise ServiceRefusedError(
                f"SERVICE ?{term}: the endpoint must be an IRI written in the query, not a variable "
                "(setting service_allowlist)"
            )
        if isinstance(term, URIRef):
            endpoints.append(str(term))
    return endpoints


def update_operations(text: str) -> list[CompValue]:
    """Read an update into its operations, as the complete parser reads them.

    IRIs are resolved (prefixed names, relative IRIs) with the prologue in force
    where each operation stands; templates keep their triples as parsed (rdflib's
    algebra would reorder them, at a cost that grows with the square of their number).

    :raises UnreadableError: if rdflib's parser cannot read the text.
    """
    operations: list[CompValue] = []
    with _PARSER_LOCK:
        try:
            parsed = parseUpdate(text)
            prologue = None
            # a trailing prologue has no operation after it
            for declared, operation in zip(parsed.prologue, parsed.request or [], strict=False):
                prologue = translatePrologue(declared, None, None, prologue)
                resolve = functools.partial(translatePName, prologue=prologue)
                operations.append(traverse(operation, visitPost=resolve))
        except Exception as exc:  # rdflib raises many kinds; all mean "cannot read it"
            first = str(exc).split("\n")[0][:200]
            raise UnreadableError(f"the SPARQL parser cannot read it ({first})") from None
    return operations


def has_keyword(text: str, *words: str) -> bool:
    """Tell whether any of *words* occurs as a keyword (outside strings, IRIs, comments)."""
    wanted = {w.upper() for w in words}
    return any(t.kind == "word" and t.text.upper() in wanted for t in tokens(text))


def error_position(message: str) -> tuple[int, int] | None:
    """Read 'line:column' out of an Oxigraph syntax error message ('error at 1:6: …')."""
    match = re.search(r"\bat (\d+):(\d+)", message)
    return (int(match.group(1)), int(match.group(2))) if match else None
