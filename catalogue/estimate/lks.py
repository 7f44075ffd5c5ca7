"""Loonkostensubsidie in the estimate (Participatiewet art. 10d; worked examples 3, 8, 9, 11 and 12 in
docs/estimate-examples.md). No Flask.

- lid 4 (after the college determined the loonwaarde): per hour (WML + vakantiebijslag) − (loonwaarde + its
  vakantiebijslag) = WML × (1 − loonwaarde) × (1 + 8%), at most 70% of WML × (1 + 8%); plus the vergoeding voor
  werkgeverslasten (23.5% of it);
- lid 1 onder b and lid 5 (the college, with the employer, leaves the loonwaarde out at first): during at most the
  first six months of the dienstbetrekking 50% of WML × (1 + 8%), plus the same vergoeding; after that the loonwaarde
  is determined and lid 4 applies;
- both "naar evenredigheid" of the agreed hours against 36 a week: an amount per hour × the paid hours is exactly that.
The WML, the vakantiebijslag and the shares are dated national values (seed_data/estimate.yaml), taken per WML period.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from ..combinations import add_months
from .line import Line
from .periods import Span, dates, first_missing, money, pct, periods, unconfirmed
from .rules import NationalValues
from .texts import Msg, msg, text

LOONWAARDE_VALUES = ("wml_per_hour", "holiday_allowance_share", "lks_cap_share_of_wml", "lks_employer_charges_allowance")
FLAT_VALUES = ("wml_per_hour", "holiday_allowance_share", "lks_flat_share_of_wml", "lks_employer_charges_allowance")
NOT_COMPUTED = "Loonkostensubsidie niet berekend."
FLAT_NOTE = "zonder loonwaarde, eerste %(months)s maanden"
AFTER_NOTE = "naar loonwaarde, na de eerste %(months)s maanden"


def lks_lines(item, data, values: NationalValues, span: Span, start: date, job_start: date) -> list[Line]:
    """The year's loonkostensubsidie line(s): one per rule that applies in the span (lid 5 first months, lid 4)."""
    source = item.source_url
    if not data.lks_flat:
        return [_by_loonwaarde(item, data, values, span, start)]
    months_row = values.on("lks_flat_max_months", job_start)
    if months_row is None or not months_row.confirmed:
        return [Line(item.name, None, text(msg(NOT_COMPUTED), unconfirmed("lks_flat_max_months", months_row,
                                                                              job_start)), source, start)]
    months = int(months_row.value)
    flat_end = add_months(job_start, months) - timedelta(days=1)
    lines = []
    flat = Span(span.start, min(span.end, flat_end), span.hours_per_week)
    if not flat.empty:
        lines.append(_flat(item, values, flat, start, months))
    rest = Span(max(span.start, flat_end + timedelta(days=1)), span.end, span.hours_per_week)
    if not rest.empty:
        lines.append(_by_loonwaarde(item, data, values, rest, start, after=months))
    return lines


def _flat(item, values: NationalValues, span: Span, start: date, months: int) -> Line:
    found = periods(values, span, FLAT_VALUES)
    note = msg(FLAT_NOTE, months=months)
    missing = first_missing(found)
    if missing is not None:
        return Line(item.name, None, text(msg(NOT_COMPUTED), missing), item.source_url, start, note)
    parts, amount = [], Decimal(0)
    for p in found:
        wml, holiday, share, allowance = (p.value(n) for n in FLAT_VALUES)
        per_hour = share * wml * (1 + holiday)
        hours = span.hours(p.start, p.end)
        amount += per_hour * (1 + allowance) * hours
        parts.append(msg("%(start)s t/m %(end)s: %(share)s%% van (WML € %(wml)s + %(holiday)s%% vakantiebijslag) = "
                         "€ %(per_hour)s per uur, plus %(allowance)s%% vergoeding werkgeverslasten, × %(hours)s uur",
                         **dates(p.start, p.end), share=pct(share), wml=wml, holiday=pct(holiday),
                         per_hour=money(per_hour), allowance=pct(allowance), hours=f"{hours:.0f}"))
    rule = text(msg("Zonder loonwaardebepaling, gedurende ten hoogste de eerste %(months)s maanden van de "
                    "dienstbetrekking (Participatiewet art. 10d lid 5):", months=months), text(*parts, sep="; "), end=".")
    return Line(item.name, money(amount), rule, found[0].rows["lks_flat_share_of_wml"].source_url, start, note)


def _by_loonwaarde(item, data, values: NationalValues, span: Span, start: date, after: int | None = None) -> Line:
    note: Msg | None = msg(AFTER_NOTE, months=after) if after else None
    if data.loonwaarde is None:
        ask = (msg("Loonkostensubsidie na de eerste %(months)s maanden: vul de loonwaarde in (die stelt de gemeente dan "
                   "vast).", months=after) if after else
               msg("Loonkostensubsidie: vul de loonwaarde in (die stelt de gemeente op de werkplek vast), of kies dat "
                   "de gemeente de loonwaarde eerst niet bepaalt."))
        return Line(item.name, None, text(ask), item.source_url, start, note)
    found = periods(values, span, LOONWAARDE_VALUES)
    missing = first_missing(found)
    if missing is not None:
        return Line(item.name, None, text(msg(NOT_COMPUTED), missing), item.source_url, start, note)
    parts, amount = [], Decimal(0)
    share = data.loonwaarde / 100
    for p in found:
        wml, holiday, cap, allowance = (p.value(n) for n in LOONWAARDE_VALUES)
        difference = wml * (1 - share) * (1 + holiday)
        maximum = wml * cap * (1 + holiday)
        per_hour = min(difference, maximum)
        hours = span.hours(p.start, p.end)
        amount += per_hour * (1 + allowance) * hours
        parts.append(msg("%(start)s t/m %(end)s: (WML € %(wml)s − loonwaarde %(loonwaarde)s%%) + %(holiday)s%% "
                         "vakantiebijslag = € %(difference)s per uur, hoogstens %(cap)s%% van WML + vakantiebijslag "
                         "(€ %(maximum)s), plus %(allowance)s%% vergoeding werkgeverslasten, × %(hours)s uur",
                         **dates(p.start, p.end), wml=wml, loonwaarde=data.loonwaarde, holiday=pct(holiday),
                         difference=money(difference), cap=pct(cap), maximum=money(maximum),
                         allowance=pct(allowance), hours=f"{hours:.0f}"))
    rule = text(msg("Participatiewet art. 10d lid 4:"), text(*parts, sep="; "), end=".")
    return Line(item.name, money(amount), rule, found[0].rows["lks_cap_share_of_wml"].source_url, start, note)
