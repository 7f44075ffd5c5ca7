"""From what a user typed to a safe whoosh query.

Supported: plain words (all must match, in any field), "exact phrases" in quotes, `a OR b`, `-word` / `NOT word` to
exclude, `word*` for a prefix (at least two letters), and synonyms/abbreviations from `synonyms`. Everything else is
treated as text: unbalanced quotes are closed at the end, lone operators and wildcards are ignored, control characters are
removed, and the text part is cut at MAX_TEXT characters and MAX_CLAUSES words (the result says so). The parser never
raises on user input; whoosh's own query parser is not used, so no input can produce an expensive query.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from whoosh import query as wq

from .analysis import DUTCH, ENGLISH, PLAIN, analyze, words
from . import wordlist
from .synonyms import Synonyms

MAX_TEXT = 200  # characters of the text part that are used
MAX_CLAUSES = 12  # words/phrases that are used
MAX_PREFIX_TERMS = 200  # a prefix expands to at most this many index terms
QUOTES = '"\u201c\u201d\u201e\u00ab\u00bb'

# field -> (analyzer, boost): name > kind > summary > tags/provider > body/English
FIELDS = {
    "name": (DUTCH, 8.0),
    "kind": (DUTCH, 4.0),
    "summary": (DUTCH, 2.5),
    "tags": (DUTCH, 1.5),
    "provider": (DUTCH, 1.5),
    "body": (DUTCH, 1.0),
    "en": (ENGLISH, 0.8),
}
DUTCH_FIELDS = tuple(f for f, (a, _) in FIELDS.items() if a is DUTCH)
# A synonym or expansion scores well below the word itself, so a text that merely mentions an expansion ("niet te
# combineren met loonkostensubsidie") ranks below the instruments named by the word ("lks" -> the loonkostensubsidies).
# (whoosh's DisjunctionMax would also stop alternatives adding up, but made synonym-heavy queries up to ~1.7x slower.)
SYNONYM_BOOST = 0.5
CORRECTION_BOOST = 0.4


@dataclass
class Clause:
    tokens: tuple[str, ...]  # plain words
    kind: str = "word"  # word | phrase | prefix
    negated: bool = False
    alternatives: tuple[tuple[str, ...], ...] = ()  # synonym group (includes tokens) when matched
    corrections: tuple[str, ...] = ()  # spelling corrections (fuzzy mode)

    def highlight_words(self) -> list[str]:
        """What to mark in snippets: the words typed, and one-word synonyms. Words of a multi-word expansion are not
        marked on their own ("proefperiode met behoud van uitkering" must not mark every "uitkering")."""
        texts = [" ".join(self.tokens)]
        texts += [alt[0] for alt in self.alternatives if len(alt) == 1]
        texts += list(self.corrections)
        return texts

    @property
    def text(self) -> str:
        inner = " ".join(self.tokens)
        if self.kind == "phrase":
            inner = f'"{inner}"'
        elif self.kind == "prefix":
            inner += "*"
        return ("-" if self.negated else "") + inner


@dataclass
class ParsedQuery:
    groups: list[list[Clause]] = field(default_factory=list)  # AND of groups, each group an OR of clauses
    excluded: list[Clause] = field(default_factory=list)
    truncated: bool = False  # the text or the number of words was cut
    ignored: bool = False  # something (a lone operator or wildcard) was ignored

    @property
    def empty(self) -> bool:
        return not self.groups and not self.excluded

    def clauses(self) -> list[Clause]:
        return [c for g in self.groups for c in g]

    def text(self) -> str:
        parts = [" OR ".join(c.text for c in g) for g in self.groups] + [c.text for c in self.excluded]
        return " ".join(parts)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")


def clean(text: str) -> tuple[str, bool]:
    """Control characters removed, whitespace collapsed, cut at MAX_TEXT. Returns (text, truncated)."""
    text = " ".join(_CONTROL.sub(" ", text or "").split())
    if len(text) > MAX_TEXT:
        cut = text[:MAX_TEXT]
        if " " in cut[MAX_TEXT // 2:]:
            cut = cut[: cut.rfind(" ")]
        return cut, True
    return text, False


@dataclass
class _Unit:
    tokens: tuple[str, ...]
    phrase: bool = False
    prefix: bool = False
    negated: bool = False
    or_before: bool = False


def _units(text: str) -> tuple[list[_Unit], bool]:
    units: list[_Unit] = []
    ignored = False
    for q in QUOTES:
        text = text.replace(q, '"')
    segments = text.split('"')  # odd positions are inside quotes; an unclosed quote runs to the end
    pending_or = pending_not = False
    for position, segment in enumerate(segments):
        if position % 2 == 1:
            tokens = words(segment)
            if tokens:
                units.append(_Unit(tokens, phrase=len(tokens) > 1, negated=pending_not, or_before=pending_or))
                pending_or = pending_not = False
            continue
        for item in segment.split():
            if item in ("OR", "|", "||", "OF"):
                pending_or = bool(units)
                ignored |= not units
                continue
            if item in ("AND", "&", "&&", "EN", "+"):
                continue
            if item in ("NOT", "NIET"):
                pending_not = True
                continue
            negated = pending_not
            if item[:1] in "-!" and len(item) > 1:
                negated, item = True, item[1:]
            item = item.lstrip("+")
            prefix = item.endswith("*")
            tokens = words(item)
            if not tokens:
                ignored = True
                continue
            if prefix and len(tokens) == 1 and len(tokens[0]) >= 2:
                units.append(_Unit(tokens, prefix=True, negated=negated, or_before=pending_or))
            else:
                ignored |= prefix or "*" in item or "?" in item
                units.append(_Unit(tokens, negated=negated, or_before=pending_or))
            pending_or = pending_not = False
    ignored |= pending_or or pending_not
    return units, ignored


def parse(text: str, synonyms: Synonyms) -> ParsedQuery:
    cleaned, truncated = clean(text)
    units, ignored = _units(cleaned)
    parsed = ParsedQuery(truncated=truncated, ignored=ignored)
    clauses: list[tuple[Clause, bool]] = []  # (clause, or_before)
    i = 0
    while i < len(units):
        unit = units[i]
        if unit.phrase or unit.prefix or unit.negated:
            kind = "phrase" if unit.phrase else "prefix" if unit.prefix else "word"
            clause = Clause(unit.tokens, kind=kind, negated=unit.negated)
            if kind == "word":
                match = synonyms.match(list(unit.tokens), 0)
                if match and match[0] == len(unit.tokens):
                    clause.alternatives = match[1]
                elif len(unit.tokens) > 1:
                    clause.kind = "phrase"
            clauses.append((clause, unit.or_before))
            i += 1
            continue
        # longest synonym term over consecutive plain units, ending on a unit boundary
        matched = None
        for j in range(len(units), i, -1):
            run = units[i:j]
            if any(u.phrase or u.prefix or u.negated or (k and u.or_before) for k, u in enumerate(run)):
                continue
            tokens = tuple(t for u in run for t in u.tokens)
            if len(tokens) > synonyms.longest:
                continue
            group = synonyms.group_of(tokens)
            if group:
                matched = (j, tokens, group)
                break
        if matched:
            j, tokens, group = matched
            clauses.append((Clause(tokens, alternatives=group), unit.or_before))
            i = j
            continue
        clause = Clause(unit.tokens, kind="phrase" if len(unit.tokens) > 1 else "word")
        clauses.append((clause, unit.or_before))
        i += 1
    # question words ("iemand ... eerst proberen", "wat krijg ik ...") need not occur in the text, unless nothing else
    # was typed
    content = [(c, o) for c, o in clauses if c.negated or c.alternatives or c.kind != "word"
               or " ".join(c.tokens) not in synonyms.filler]
    if content and len(content) < len(clauses):
        clauses = content
    if len(clauses) > MAX_CLAUSES:
        clauses = clauses[:MAX_CLAUSES]
        parsed.truncated = True
    for clause, or_before in clauses:
        if clause.negated:
            parsed.excluded.append(clause)
        elif or_before and parsed.groups:
            parsed.groups[-1].append(clause)
        else:
            parsed.groups.append([clause])
    return parsed


# ---------------------------------------------------------------------------------------------------------------------
# whoosh queries


def _text_query(field_name: str, text: str, boost: float) -> wq.Query | None:
    analyzer, weight = FIELDS[field_name]
    tokens = analyze(analyzer, text)
    if not tokens:
        return None
    if len(tokens) == 1:
        return wq.Term(field_name, tokens[0], boost=weight * boost)
    return wq.Phrase(field_name, tokens, boost=weight * boost)


def _alternative(tokens: tuple[str, ...], boost: float) -> list[wq.Query]:
    text = " ".join(tokens)
    return [q for f in FIELDS if (q := _text_query(f, text, boost)) is not None]


class _LimitedPrefix(wq.Prefix):
    """A prefix that expands to at most MAX_PREFIX_TERMS terms, so `a*` on a big index stays cheap."""

    def _btexts(self, ixreader):
        for n, term in enumerate(super()._btexts(ixreader)):
            if n >= MAX_PREFIX_TERMS:
                return
            yield term


def name_prefix(prefix: str) -> wq.Query:
    """Names with a word starting with `prefix` (search as you type puts these first)."""
    return _LimitedPrefix("name", prefix)


def clause_query(clause: Clause, fuzzy: bool = False) -> wq.Query | None:
    if clause.kind == "prefix":
        prefix = clause.tokens[0]
        return wq.Or([_LimitedPrefix("words", prefix, boost=1.0), _LimitedPrefix("name", prefix, boost=FIELDS["name"][1]),
                      _LimitedPrefix("en", prefix, boost=0.5)])
    if not clause.alternatives and not analyze(DUTCH, " ".join(clause.tokens)):
        return None  # only Dutch stop words ("de", "het"): nothing to search for
    parts: list[wq.Query] = []
    alternatives = clause.alternatives or (clause.tokens,)
    for alt in alternatives:
        parts += _alternative(alt, 1.0 if alt == clause.tokens else SYNONYM_BOOST)
    if fuzzy and clause.corrections:
        for correction in clause.corrections:
            parts += _alternative((correction,), CORRECTION_BOOST)
    if not parts:
        return None
    return wq.Or(parts) if len(parts) > 1 else parts[0]


def build(parsed: ParsedQuery, mode: str = "strict") -> wq.Query | None:
    """mode: strict (every group must match), fuzzy (strict, plus spelling corrections), any (any group may match)."""
    fuzzy = mode in ("fuzzy", "any")
    groups = []
    for group in parsed.groups:
        parts = [q for c in group if (q := clause_query(c, fuzzy)) is not None]
        if parts:
            groups.append(wq.Or(parts) if len(parts) > 1 else parts[0])
    excluded = [q for c in parsed.excluded if (q := clause_query(c)) is not None]
    if not groups and not excluded:
        return None
    if groups:
        positive = (wq.Or(groups) if mode == "any" else wq.And(groups)) if len(groups) > 1 else groups[0]
    else:
        positive = wq.Every()
    if excluded:
        return wq.AndNot(positive, wq.Or(excluded) if len(excluded) > 1 else excluded[0])
    return positive


class _PublicWords:
    """The words of public documents, as a container (for compound splitting)."""

    def __init__(self, words):
        self.words = words

    def __contains__(self, word: str) -> bool:
        return self.words.frequency(word) > 0


def known_word(word: str, words) -> bool:
    """In a public document (as typed or by its Dutch or English stem), a stop word, or a normal Dutch or English word
    (or a compound of two): not something to correct. `words`: visibility.VisibleWords."""
    if words.frequency(word) > 0:
        return True
    stems = analyze(DUTCH, word)
    if not stems:
        return True  # a stop word

    def public(fieldname: str, term: str) -> bool:
        return bool(words.docbits.term(fieldname, term) & words.public)

    if any(public(f, stems[0]) for f in DUTCH_FIELDS) or any(public("en", t) for t in analyze(ENGLISH, word)):
        return True
    return wordlist.is_word(word, _PublicWords(words))


def correct(parsed: ParsedQuery, words, synonyms: Synonyms) -> bool:
    """Fills clause.corrections for words that are neither in a public document nor normal words (typos), from the
    words of public documents (`words`: visibility.VisibleWords). True when anything was corrected."""
    corrector = None
    changed = False
    for clause in _to_correct(parsed, words):
        word = clause.tokens[0]
        if corrector is None:
            corrector = words.corrector()
        maxdist = 1 if len(word) <= 5 else 2
        suggestions = [s for s in corrector.suggest(word, limit=3, maxdist=maxdist, prefix=1) if s != word]
        if suggestions:
            clause.corrections = tuple(suggestions)
            changed = True
    return changed


def _to_correct(parsed: ParsedQuery, words):
    """The one-word clauses whose word is not known (what `correct` looks up corrections for)."""
    for clause in parsed.clauses():
        if clause.kind != "word" or clause.alternatives or len(clause.tokens) != 1:
            continue
        word = clause.tokens[0]
        if len(word) < 4 or word.isdigit() or known_word(word, words):
            continue
        yield clause


def needs_correction(parsed: ParsedQuery, words) -> bool:
    """A word of the query is not known: whether "Bedoelde u ...?" is offered depends on every public document's words."""
    return next(_to_correct(parsed, words), None) is not None


def corrected_text(parsed: ParsedQuery) -> str:
    """The query with every corrected word replaced by its best correction ("Bedoelde u ...")."""
    parts = []
    for group in parsed.groups:
        texts = []
        for c in group:
            texts.append(c.corrections[0] if c.corrections else c.text)
        parts.append(" OR ".join(texts))
    return " ".join(parts + [c.text for c in parsed.excluded])


def highlight_terms(q: wq.Query, reader, parsed: ParsedQuery | None = None) -> frozenset[str]:
    """Stems to mark in Dutch text: the words typed and their one-word synonyms (see Clause.highlight_words), with
    prefixes expanded. Without `parsed`: every term of the query."""
    terms: set[str] = set()
    if parsed is not None:
        for clause in parsed.clauses():
            if clause.kind == "prefix":
                continue
            for text in clause.highlight_words():
                terms.update(analyze(DUTCH, text))
        q = wq.Or([leaf for leaf in q.leaves() if isinstance(leaf, wq.Prefix)])
    pairs = []
    for leaf in q.leaves():  # (whoosh's Query.existing_terms skips fields after the first one)
        try:
            pairs.extend(leaf.expanded_terms(reader, phrases=True))
        except Exception:  # pragma: no cover - highlighting is optional
            continue
    for fieldname, text in pairs:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        if fieldname in DUTCH_FIELDS:
            terms.add(text)
        elif fieldname == "words":
            terms.update(analyze(DUTCH, text))
    return frozenset(terms)


def plain_tokens(text: str) -> list[str]:
    return analyze(PLAIN, text)
