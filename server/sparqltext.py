"""Look inside SPARQL text without evaluating it: SERVICE endpoints, LOAD, USING/WITH.

A small tokenizer that knows SPARQL's comments, strings and IRIs, so that a
keyword inside a literal or an IRI is not mistaken for one. It finds every
SERVICE endpoint (resolving prefixed names and BASE) so the server can refuse
hosts off the allow-list before the engine reaches the network.
"""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import urljoin

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
    """A SERVICE clause names an endpoint that may not be called."""


def service_endpoints(text: str) -> list[str]:
    """Return every SERVICE endpoint IRI in a query, prefixed names resolved.

    :raises ServiceRefusedError: for an endpoint that cannot be known before
        evaluation (a variable) or a prefix that is not declared.
    """
    items = tokens(text)
    prefixes: dict[str, str] = {}
    base = ""
    endpoints = []
    for index, token in enumerate(items):
        word = token.text.upper() if token.kind == "word" else ""
        following = items[index + 1 : index + 3]
        if word == "PREFIX" and len(following) == 2 and following[1].kind == "iri":
            prefixes[following[0].text.rstrip(":")] = urljoin(base, following[1].text[1:-1])
        elif word == "BASE" and following and following[0].kind == "iri":
            base = urljoin(base, following[0].text[1:-1])
        elif word == "SERVICE":
            rest = items[index + 1 :]
            if rest and rest[0].kind == "word" and rest[0].text.upper() == "SILENT":
                rest = rest[1:]
            if not rest:
                continue
            target = rest[0]
            if target.kind == "iri":
                endpoints.append(urljoin(base, target.text[1:-1]))
            elif target.kind == "pname":
                prefix, _, local = target.text.partition(":")
                if prefix not in prefixes:
                    raise ServiceRefusedError(f"SERVICE uses the undeclared prefix '{prefix}:'")
                endpoints.append(prefixes[prefix] + local)
            elif target.kind == "var":
                raise ServiceRefusedError(
                    f"SERVICE {target.text}: the endpoint must be an IRI written in the query, not a variable"
                )
    return endpoints


def has_keyword(text: str, *words: str) -> bool:
    """Tell whether any of *words* occurs as a keyword (outside strings, IRIs, comments)."""
    wanted = {w.upper() for w in words}
    return any(t.kind == "word" and t.text.upper() in wanted for t in tokens(text))


def error_position(message: str) -> tuple[int, int] | None:
    """Read 'line:column' out of an Oxigraph syntax error message ('error at 1:6: …')."""
    match = re.search(r"\bat (\d+):(\d+)", message)
    return (int(match.group(1)), int(match.group(2))) if match else None
