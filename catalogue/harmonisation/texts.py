"""Human-readable parameter values, memoised per language."""
from __future__ import annotations

from ..parameters import amount_text, applicant_text, decision_period_text, duration_text
from .labels import _L, _lang
from .offers import Offer


_TEXT_MEMO: dict[str, dict] = {}


class Texts:
    """Human-readable parameter values in one language, memoised (amount formatting is not free)."""

    def __init__(self, language: str, term_names: dict):
        self.language = _lang(language)
        self.term_names = term_names
        self._memo: dict = _TEXT_MEMO.setdefault(self.language, {})
        if len(self._memo) > 20_000:  # parameter texts depend only on the value and the language; keep the cache bounded
            self._memo.clear()

    def term(self, taxonomy: str, code: str) -> str:
        name, name_en = self.term_names.get((taxonomy, code), (code, None))
        return (name_en or name) if self.language == "en" else name

    def value(self, offer: Offer, param: str) -> str:
        lang, none = self.language, _L[self.language]["none"][param]
        if param in ("target_groups", "schemes"):  # term names come from the database: not memoised across requests
            taxonomy = "target_group" if param == "target_groups" else "scheme"
            return ", ".join(self.term(taxonomy, c) for c in getattr(offer, param)) or none
        if param == "duration":
            key = (param, offer.duration_max, offer.duration_unit)
        elif param == "amount":
            key = (param, offer.amount_type, offer.amount_value, offer.amount_max_per_year, offer.amount_max_total)
        elif param == "applicant":
            key = (param, offer.applicant)
        elif param == "decision_period":
            key = (param, offer.decision_period_weeks)
        else:
            key = (param, offer.payment_moments)
        if key in self._memo:
            return self._memo[key]
        if param == "duration":
            text = duration_text(offer.duration_max, offer.duration_unit, lang)
        elif param == "amount":
            text = amount_text(offer, lang)
        elif param == "applicant":
            text = applicant_text(offer.applicant, lang)
        elif param == "decision_period":
            text = decision_period_text(offer.decision_period_weeks, lang)
        else:
            text = " ".join((offer.payment_moments or "").split())
        text = text or none
        self._memo[key] = text
        return text

    def values(self, offers: list[Offer], param: str) -> str:
        seen: list[str] = []
        for offer in offers:
            text = self.value(offer, param)
            if text not in seen:
                seen.append(text)
        return " / ".join(seen)

    def names(self, names: list[str]) -> str:
        if len(names) <= 1:
            return "".join(names)
        return f"{', '.join(names[:-1])} {_L[self.language]['and']} {names[-1]}"


def _kind_lower(name: str) -> str:
    return name[:1].lower() + name[1:] if name else name
