"""One-pass indexing analyzers: the same terms and positions as a whoosh analyzer chain, computed without its generator
pipeline.

Building the index spends most of its analysis time passing Token objects through five generators (tokenizer,
lower case, accent folding, stop words, stemming) for words it has seen thousands of times. `OnePass(chain)` reads the
chain's settings and, when whoosh indexes a field (`mode="index"`, positions, no character offsets), does it in one loop
with a memo from each raw word to its term (or to None for a stop word). `Text` (a whoosh TEXT field) takes its postings
straight from there, without Token objects, and keeps the postings of short, repeating values (a kind, a provider and
its places, target groups) whole. Every other call (queries, highlighting with character offsets, `no_morph`) goes to
the chain itself, so the terms are identical by construction where it matters and by test
(`tests/test_search_onepass.py`) where it is fast.
"""
from __future__ import annotations

import re

from whoosh.analysis import Analyzer, CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter, Token
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.formats import Frequency, Positions
from whoosh.system import pack_uint

MEMO_SIZE = 200_000  # distinct raw words remembered (then the memo starts over)
SHORT = 160  # values up to this many characters are remembered whole ...
VALUES_SIZE = 20_000  # ... this many of them
_MISSING = object()


def _findall(pattern: str):
    """`findall` returning whole matches: the pattern's groups made non-capturing."""
    return re.compile(re.sub(r"(?<!\\)\((?!\?)", "(?:", pattern)).findall


class OnePass(Analyzer):
    def __init__(self, chain):
        self.chain = chain
        self._compile()

    def _compile(self) -> None:
        items = list(self.chain.items)
        tokenizer = items.pop(0)
        if type(tokenizer) is not RegexTokenizer or tokenizer.gaps:
            raise TypeError(f"OnePass needs a matching RegexTokenizer, not {tokenizer!r}")
        self._words = _findall(tokenizer.expression.pattern)
        self._steps = []  # ("lower",) ("charset", map) ("stop", stops, min, max, renumber) ("stem", fn, ignore)
        for item in items:
            if type(item) is LowercaseFilter:
                self._steps.append(("lower",))
            elif type(item) is CharsetFilter:
                self._steps.append(("charset", item.charmap))
            elif type(item) is StopFilter:
                self._steps.append(("stop", item.stops, item.min, item.max, item.renumber))
            elif type(item) is StemFilter:
                self._steps.append(("stem", item._stem, item.ignore))
            else:
                raise TypeError(f"OnePass cannot follow {item!r}")
        self._renumber = any(s[0] == "stop" and s[4] for s in self._steps)
        self._memo: dict[str, str | None] = {}
        self._postings: dict[tuple, tuple] = {}

    def __getstate__(self):
        return {"chain": self.chain}

    def __setstate__(self, state):
        self.chain = state["chain"]
        self._compile()

    def __eq__(self, other):
        return isinstance(other, OnePass) and self.chain == other.chain

    def __hash__(self):
        return id(self.chain)

    def has_morph(self):
        return self.chain.has_morph()

    def clean(self):
        self.chain.clean()

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True, start_pos=0,
                 start_char=0, tokenize=True, mode="", **kwargs):
        if (mode != "index" or chars or keeporiginal or not removestops or start_pos or not tokenize
                or kwargs.get("no_morph") or not isinstance(value, str)):
            return self.chain(value, positions=positions, chars=chars, keeporiginal=keeporiginal,
                              removestops=removestops, start_pos=start_pos, start_char=start_char, tokenize=tokenize,
                              mode=mode, **kwargs)
        return self._tokens(self.terms(value), positions, kwargs)

    def _tokens(self, terms, positions, kwargs):
        token = Token(positions, False, removestops=True, mode="index", **kwargs)
        token.boost = 1.0
        token.stopped = False
        for text, pos in terms:
            token.text = text
            token.pos = pos
            yield token

    def terms(self, value: str) -> list[tuple[str, int]]:
        """[(term, position), ...] exactly as the chain indexes `value`."""
        memo = self._memo
        out = []
        pos = None
        renumber = self._renumber
        for n, raw in enumerate(self._words(value)):
            term = memo.get(raw, _MISSING)
            if term is _MISSING:
                if len(memo) >= MEMO_SIZE:
                    memo.clear()
                term = memo[raw] = self._term(raw)
            if term is None:
                continue
            if not renumber or pos is None:
                pos = n
            else:
                pos += 1
            out.append((term, pos))
        return out

    def postings(self, value: str, fmt) -> tuple:
        """((term bytes, frequency, weight, value bytes), ...) as whoosh's TEXT.index gives them for a Positions or
        Frequency format: one per distinct term, in order of first occurrence."""
        key = (value, type(fmt), fmt.field_boost) if len(value) <= SHORT else None
        if key is not None:
            found = self._postings.get(key)
            if found is not None:
                return found
        poses: dict[str, list[int]] = {}
        for term, pos in self.terms(value):
            found = poses.get(term)
            if found is None:
                poses[term] = [pos]
            else:
                found.append(pos)
        boost = fmt.field_boost
        if type(fmt) is Positions:
            encode = fmt.encode
            result = tuple((w.encode("utf-8"), len(p), float(len(p)) * boost, encode(p)) for w, p in poses.items())
        else:
            result = tuple((w.encode("utf-8"), len(p), float(len(p)) * boost, pack_uint(len(p))) for w, p in poses.items())
        if key is not None:
            if len(self._postings) >= VALUES_SIZE:
                self._postings.clear()
            self._postings[key] = result
        return result

    def _term(self, text: str) -> str | None:
        for step in self._steps:
            kind = step[0]
            if kind == "lower":
                text = text.lower()
            elif kind == "charset":
                text = text.translate(step[1])
            elif kind == "stop":
                _, stops, minsize, maxsize, _ = step
                if len(text) < minsize or (maxsize is not None and len(text) > maxsize) or text in stops:
                    return None
            elif text not in step[2]:
                text = step[1](text)
        return text


class Text(TEXT):
    """A TEXT field indexed through `OnePass.postings` (the same postings as TEXT, faster); any other analyzer, format or
    argument goes through TEXT itself."""

    def index(self, value, **kwargs):
        analyzer, fmt = self.analyzer, self.format
        if (kwargs or not isinstance(value, str) or not isinstance(analyzer, OnePass)
                or type(fmt) not in (Positions, Frequency)):
            return super().index(value, **kwargs)
        return analyzer.postings(value, fmt)


def whoosh_equivalent(schema: Schema) -> Schema:
    """`schema` with whoosh's own field types (TEXT with the analyser's chain, ID, NUMERIC): what the one-pass fields
    must index exactly like. The tests compare against it, and the build bench's baseline builds with it."""
    fields = {}
    for name, field in schema.items():
        if isinstance(field, Text):
            fields[name] = TEXT(analyzer=field.analyzer.chain, phrase=type(field.format) is Positions)
        elif isinstance(field, ID):
            fields[name] = ID(unique=True, stored=True)
        else:
            fields[name] = NUMERIC(int, bits=64, stored=True, sortable=True)
    return Schema(**fields)
