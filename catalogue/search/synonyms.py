"""Synonym and abbreviation groups (LKS = loonkostensubsidie, WEP = werkervaringsplaats, ...).

The groups live in seed_data/synonyms.yaml; a region adds its own in extra YAML files (same format) in the directory
named by CATALOGUE_SYNONYMS_DIR. Terms are compared as plain words (lower case, accents folded, hyphens and spaces
equivalent), so "no-risk", "No risk" and "NO-RISK" are one term. Groups that share a term are merged. Expansion happens at
query time, so changing synonyms needs no index rebuild.
"""
from __future__ import annotations

import os
from pathlib import Path

import yaml

from .analysis import words

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "seed_data" / "synonyms.yaml"
MAX_TERM_WORDS = 5


class SynonymError(ValueError):
    pass


class Synonyms:
    def __init__(self, groups: list[list[str]] | None = None):
        self._groups: list[tuple[tuple[str, ...], ...]] = []
        self._by_term: dict[tuple[str, ...], int] = {}
        self.longest = 1
        self.filler: set[str] = set()  # question words that need not occur in the text ("iemand", "eerst", "krijg")
        for group in groups or []:
            self.add_group(group)

    def add_group(self, group: list[str]) -> None:
        terms = [words(str(term)) for term in group]
        terms = [t for t in terms if t and len(t) <= MAX_TERM_WORDS]
        if len(terms) < 2:
            return
        # merge with every existing group that shares a term
        merged: list[tuple[str, ...]] = []
        for index in sorted({self._by_term[t] for t in terms if t in self._by_term}, reverse=True):
            merged.extend(self._groups[index])
            self._groups[index] = ()
        members = tuple(dict.fromkeys([*merged, *terms]))
        self._groups.append(members)
        for term in members:
            self._by_term[term] = len(self._groups) - 1
            self.longest = max(self.longest, len(term))

    def group_of(self, term: tuple[str, ...]) -> tuple[tuple[str, ...], ...] | None:
        index = self._by_term.get(term)
        return self._groups[index] if index is not None else None

    def match(self, tokens: list[str], start: int) -> tuple[int, tuple[tuple[str, ...], ...]] | None:
        """The longest synonym term starting at tokens[start]: (number of tokens, group), or None."""
        for length in range(min(self.longest, len(tokens) - start), 0, -1):
            group = self.group_of(tuple(tokens[start:start + length]))
            if group:
                return length, group
        return None

    @property
    def groups(self) -> list[tuple[tuple[str, ...], ...]]:
        return [g for g in self._groups if g]

    def __len__(self) -> int:
        return len(self.groups)


def _read(path: Path) -> list[list[str]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SynonymError(f"{path}: {exc}") from exc
    groups = data.get("groups") if isinstance(data, dict) else None
    if not isinstance(groups, list) or not all(isinstance(g, list) for g in groups):
        raise SynonymError(f"{path}: expected 'groups:' with a list of lists of terms")
    filler = data.get("question_words") or []
    if not isinstance(filler, list):
        raise SynonymError(f"{path}: expected 'question_words:' with a list of words")
    return [[str(t) for t in g] for g in groups], [" ".join(words(str(w))) for w in filler]


def load(path: Path | str | None = None, extra_dir: Path | str | None = None) -> Synonyms:
    """The default synonym file plus every *.yaml in extra_dir (default: $CATALOGUE_SYNONYMS_DIR)."""
    synonyms = Synonyms()
    files = [Path(path) if path else DEFAULT_FILE]
    extra_dir = extra_dir or os.environ.get("CATALOGUE_SYNONYMS_DIR")
    if extra_dir and Path(extra_dir).is_dir():
        files += sorted(Path(extra_dir).glob("*.yaml"))
    for file in files:
        groups, filler = _read(file)
        for group in groups:
            synonyms.add_group(group)
        synonyms.filler.update(w for w in filler if w)
    return synonyms
