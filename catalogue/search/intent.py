"""Words in a search that name a facet value: "proefplaatsing wajong" = the search "proefplaatsing" with the filter
Uitkering of regeling: Wajong. The words are data (seed_data/query_facets.yaml). No Flask.

Only plain words are interpreted: words inside "quotes", after a minus sign or next to OR stay text, so an account
manager can still search for the word itself ("wajong" in quotes).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .analysis import words

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "seed_data" / "query_facets.yaml"
OPERATORS = {"OR", "OF", "|", "||", "NOT", "NIET", "AND", "EN", "&", "&&", "+"}


@dataclass(frozen=True)
class Interpretation:
    facet: str  # query parameter (target_group, scheme)
    code: str  # taxonomy code
    text: str  # the words as typed


class FacetWords:
    def __init__(self, mapping: dict[str, dict[str, list[str]]]):
        self.terms: dict[tuple[str, ...], tuple[str, str]] = {}
        self.longest = 1
        for facet, values in (mapping or {}).items():
            for code, terms in (values or {}).items():
                for term in terms or []:
                    key = words(str(term))
                    if key:
                        self.terms[key] = (str(facet), str(code))
                        self.longest = max(self.longest, len(key))

    def interpret(self, q: str) -> tuple[str, list[Interpretation]]:
        """(the rest of the search text, the facet values its words name). Each value is named once."""
        raw = (q or "").split()
        if not raw or any(ch in q for ch in '"\u201c\u201d\u201e\u00ab\u00bb'):
            return q, []
        plain = [not (w in OPERATORS or w[:1] in "-!" or w.endswith("*")) for w in raw]
        for i, w in enumerate(raw):  # a word next to OR is an alternative, not a filter
            if w in ("OR", "OF", "|", "||"):
                plain[max(i - 1, 0)] = False
                if i + 1 < len(raw):
                    plain[i + 1] = False
        keep: list[str] = []
        found: list[Interpretation] = []
        i = 0
        while i < len(raw):
            match = None
            if plain[i]:
                for j in range(min(len(raw), i + self.longest), i, -1):
                    if not all(plain[i:j]):
                        continue
                    key = tuple(t for w in raw[i:j] for t in words(w))
                    if key in self.terms:
                        match = (j, self.terms[key])
                        break
            if match:
                j, (facet, code) = match
                if not any(f.facet == facet and f.code == code for f in found):
                    found.append(Interpretation(facet, code, " ".join(raw[i:j])))
                i = j
                continue
            keep.append(raw[i])
            i += 1
        return " ".join(keep), found


@lru_cache(maxsize=4)
def load(path: str | None = None) -> FacetWords:
    data = yaml.safe_load(Path(path or DEFAULT_FILE).read_text(encoding="utf-8")) or {}
    return FacetWords(data)
