"""The explanation beside each number of the estimate (its rule), as translatable text without Flask: a `Msg` is a
Dutch msgid with plain parameters (numbers, dates, amounts already formatted), a `Text` joins messages and other texts.
`str()` gives the Dutch text; a page translates each msgid with gettext (templates/estimate_macros.html, macro
`rule_text`), so under /en/ the rule texts are English (catalogue/translations/en/LC_MESSAGES/messages.po). A msgid is
always a %-format string, as Jinja's gettext treats it: a literal percent sign is written %%."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Iterator, Union

from babel.numbers import format_decimal


@dataclass(frozen=True)
class Msg:
    msgid: str
    params: tuple[tuple[str, object], ...] = ()

    @property
    def kwargs(self) -> dict:
        return dict(self.params)

    def render(self, gettext: Callable[[str], str]) -> str:
        return gettext(self.msgid) % self.kwargs

    def messages(self) -> Iterator["Msg"]:
        yield self

    def __str__(self) -> str:
        return self.render(lambda s: s)


@dataclass(frozen=True)
class Text:
    parts: tuple[Union[Msg, "Text"], ...]
    sep: str = " "
    end: str = ""  # punctuation after the parts (the same in every language)

    def render(self, gettext: Callable[[str], str]) -> str:
        return self.sep.join(part.render(gettext) for part in self.parts) + self.end

    def messages(self) -> Iterator[Msg]:
        """Every message in this text, nested ones included (for the translation check)."""
        for part in self.parts:
            yield from part.messages()

    def __str__(self) -> str:
        return self.render(lambda s: s)

    def __contains__(self, fragment: str) -> bool:
        return fragment in str(self)


def msg(msgid: str, **params) -> Msg:
    return Msg(msgid, tuple(params.items()))


def data_text(value: str) -> Msg:
    """A sentence from the data (seed_data/estimate.yaml: a reason, a rule): its msgid is the sentence with % doubled."""
    return Msg(value.replace("%", "%%"))


def text(*parts: Union[Msg, Text, None], sep: str = " ", end: str = "") -> Text:
    return Text(tuple(p for p in parts if p is not None), sep, end)


def written_number(value: int | Decimal, language: str, cents: bool | None = None) -> str:
    """A number as `language` writes it (nl: 1.234,50 and 23,5; en: 1,234.50 and 23.5). `cents`: two decimals (an
    amount); by default an amount in cents (a Decimal with two decimals) keeps both, other numbers the ones they have."""
    if cents is None:
        cents = isinstance(value, Decimal) and value.as_tuple().exponent == -2
    return format_decimal(value, format="#,##0.00" if cents else "#,##0.####",
                          locale="nl_NL" if language == "nl" else "en_GB")


def written_params(params: dict, language: str) -> dict:
    """A message's parameters with their numbers (amounts, hours, percentages) written as `language` writes them;
    texts and dates (already written) unchanged. Pages render rule texts with these; str() keeps the plain numbers."""
    return {k: written_number(v, language) if isinstance(v, (int, Decimal)) and not isinstance(v, bool) else v
            for k, v in params.items()}
