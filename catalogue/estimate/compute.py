"""The net-cost estimate: wage cost per year minus what each selected instrument pays, with every number's rule, source
and the date its values are valid on. An estimate, never a promise. No Flask.

Rules (worked examples in docs/estimate-examples.md):
- a year is 52 weeks; paid hours per year = hours per week × 52, minus the months of a proefplaatsing (no wage then);
- wage cost = gross wage per hour × paid hours, plus the werkgeverslasten percentage when one is given; with "wettelijk
  minimumloon" the hourly WML of each period (it changes on 1 January and 1 July) × the hours in that period; a period
  whose WML is not confirmed leaves the wage cost unknown (the confirmed periods are shown, not added up as a total);
- hours in a period = hours per week × 52 / 12 per month it covers (a part of a month by its calendar days);
- LKV (amount per paid hour): rate × paid hours, at most the yearly maximum, for as many years as the LKV runs; with
  several LKVs only the highest counts (seed_data/combinations.yaml);
- loonkostensubsidie (Participatiewet art. 10d lid 4 and 5): catalogue/estimate/lks.py;
- loondispensatie: the employer pays wage for the loonwaarde only: (1 − loonwaarde) × wage cost (needs the loonwaarde);
- a one-off premium (amount `vast`) in the first year; an amount per month for the months it runs;
- risk cover (no-riskpolis) and services (jobcoaching, workplace, …) are listed beside the money, not counted.
An instrument's own amounts are taken on the first day of each year of the estimate (its dated parameter values); the
national values (seed_data/estimate.yaml) per period within the year. Every rule text is a translatable `Text`
(catalogue/estimate/texts.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Sequence

from ..combinations import Warning, add_months, check, load_rules
from ..dated import amounts
from .inputs import EstimateInput
from .line import Line
from .lks import lks_lines
from .periods import WEEKS_PER_YEAR, Span, dates, money, nl_date, periods
from .rules import NationalValues, load_values
from .texts import Text, msg, text

MAX_YEARS = 5
MONEY_KINDS = ("loonkostenvoordeel", "loonkostensubsidie", "loondispensatie", "premie", "proefplaatsing")


@dataclass
class Year:
    number: int
    start: date
    end: date
    paid_hours: Decimal
    wage_cost: Line
    support: list[Line] = field(default_factory=list)

    @property
    def support_total(self) -> Decimal:
        return sum((line.amount for line in self.support if line.amount is not None), Decimal(0))

    @property
    def net(self) -> Decimal | None:
        return None if self.wage_cost.amount is None else self.wage_cost.amount - self.support_total


@dataclass
class Estimate:
    years: list[Year]
    beside: list  # risk cover and services: listed, not counted
    warnings: list[Warning]
    unknown: list[Text]  # what could not be computed, in words
    assumptions: list[Text] = field(default_factory=list)  # amounts the user typed in place of unconfirmed ones

    @property
    def wage_total(self) -> Decimal | None:
        values = [y.wage_cost.amount for y in self.years]
        return None if any(v is None for v in values) else sum(values, Decimal(0))

    @property
    def support_total(self) -> Decimal:
        return sum((y.support_total for y in self.years), Decimal(0))

    @property
    def net_total(self) -> Decimal | None:
        wage = self.wage_total
        return None if wage is None else wage - self.support_total


def _months(item) -> int | None:
    if item.duration_max is None:
        return None
    return {"jaar": 12 * item.duration_max, "maand": item.duration_max,
            "week": -(-item.duration_max * 7 // 30)}.get(item.duration_unit or "", None)


def _horizon(instruments: Sequence) -> int:
    months = [m for m in (_months(i) for i in instruments if i.kind.code in MONEY_KINDS and i.kind.code != "proefplaatsing")
              if m]
    return max(1, min(MAX_YEARS, -(-max(months, default=12) // 12)))


def estimate(data: EstimateInput, instruments: Sequence, values: NationalValues | None = None,
             years: int | None = None) -> Estimate:
    """Computes the estimate; `data` must be valid (data.ok)."""
    assert data.ok and data.start is not None and data.hours_per_week is not None
    values = values or load_values()
    if data.wml_entered is not None:
        values = values.with_entered("wml_per_hour", data.wml_entered)
    rules = load_rules()
    count = years or _horizon(instruments)
    trial = max((_months(i) or 0 for i in instruments if i.kind.code == "proefplaatsing"), default=0)
    trial = min(trial, 12)
    job_start = add_months(data.start, trial)  # the dienstbetrekking starts after a proefplaatsing
    unknown: list[Text] = []
    out: list[Year] = []
    lkvs = [i for i in instruments if i.kind.code == "loonkostenvoordeel"]
    for n in range(count):
        start = add_months(data.start, 12 * n)
        end = add_months(data.start, 12 * (n + 1)) - timedelta(days=1)
        working_months = Decimal(12 - trial if n == 0 else 12)
        paid_hours = data.hours_per_week * WEEKS_PER_YEAR * working_months / 12
        span = Span(job_start if n == 0 else start, end, data.hours_per_week)
        wage_line = _wage(data, paid_hours, values, span, start, n == 0 and trial)
        year = Year(n + 1, start, end, paid_hours, wage_line)
        best = _best_lkv(lkvs, paid_hours, start)
        for item in instruments:
            kind = item.kind.code
            lines: list[Line | None]
            if kind == "loonkostenvoordeel":
                line = _lkv(item, paid_hours, start, n)
                if line is not None and best is not None and item is not best and line.amount is not None:
                    line = Line(line.label, Decimal(0), text(line.rule, msg("Niet meegeteld: bij meer LKV's telt "
                                                                            "alleen het hoogste.")),
                                line.source_url, start)
                lines = [line]
            elif kind == "loonkostensubsidie":
                lines = lks_lines(item, data, values, span, start, job_start)
            elif kind == "loondispensatie":
                lines = [_dispensation(item, data, wage_line, start)]
            elif kind == "premie":
                lines = [_premium(item, start, n)]
            else:  # a proefplaatsing is counted in the wage cost (no wage during its months); the rest is beside
                continue
            for line in lines:
                if line is not None:
                    year.support.append(line)
                    if line.amount is None and line.rule not in unknown:
                        unknown.append(line.rule)
        if wage_line.amount is None and wage_line.rule not in unknown:
            unknown.append(wage_line.rule)
        out.append(year)
    beside = [i for i in instruments if i.kind.code not in MONEY_KINDS]
    return Estimate(out, beside, check(instruments, rules), unknown, _assumptions(data, values, out))


def _assumptions(data: EstimateInput, values: NationalValues, years: list[Year]) -> list[Text]:
    """Where the estimate uses the WML the user typed: which periods, said plainly, so it is never taken for the guide's."""
    if data.wml_entered is None or not years:
        return []
    spans = values.entered_spans("wml_per_hour", years[0].start, years[-1].end)
    if not spans:
        return []
    listed = text(*(msg("%(start)s t/m %(end)s", **dates(a, b)) for a, b in spans), sep=", ", end=".")
    return [text(msg("Wettelijk minimumloon € %(wml)s per uur zoals u het invulde, voor de perioden die de gids niet "
                     "bevestigt:", wml=data.wml_entered), listed,
                 msg("Dit bedrag is niet door de gids gecontroleerd."), sep=" ")]


def _wage(data: EstimateInput, paid_hours: Decimal, values: NationalValues, span: Span, start: date,
          trial: int) -> Line:
    source = None
    if data.use_wml:
        found = periods(values, span, ("wml_per_hour",))
        parts, amount, missing = [], Decimal(0), []
        for p in found:
            hours = span.hours(p.start, p.end)
            if p.missing is not None:
                parts.append(msg("%(start)s t/m %(end)s: niet bevestigd", **dates(p.start, p.end)))
                missing.append(p.missing)
                continue
            part = p.value("wml_per_hour") * hours
            amount += part
            parts.append(msg("€ %(wml)s × %(hours)s uur (%(start)s t/m %(end)s) = € %(amount)s",
                             wml=p.value("wml_per_hour"), hours=f"{hours:.0f}", amount=money(part),
                             **dates(p.start, p.end)))
        computation = text(msg("Wettelijk minimumloon per uur × uren per periode:"), text(*parts, sep=" + "), end=".")
        confirmed = [p for p in found if p.missing is None]
        source = confirmed[0].rows["wml_per_hour"].source_url if confirmed else None
        if missing:
            known = (msg("De bevestigde perioden samen: € %(amount)s; het totaal is onbekend.", amount=money(amount))
                     if confirmed else None)
            return Line("Loonkosten", None, text(computation, known, missing[0],
                                                 msg("Vul het brutoloon per uur in, of het wettelijk minimumloon per uur zoals u het kent.")),
                        source, start)
        rule = text(computation)
    else:
        amount = data.wage_per_hour * paid_hours
        rule = text(msg("Brutoloon € %(wage)s per uur × %(hours)s uur", wage=data.wage_per_hour,
                        hours=f"{paid_hours:.0f}"), end=".")
    if data.employer_charges is not None:
        amount *= 1 + data.employer_charges / 100
        charges = msg("Plus %(charges)s%% werkgeverslasten.", charges=data.employer_charges)
    else:
        charges = msg("Zonder werkgeverslasten en vakantiegeld: vul het percentage in om ze mee te tellen.")
    trial_note = (msg("De eerste %(months)s maanden zijn een proefplaatsing: dan geen loonkosten.", months=trial)
                  if trial else None)
    return Line("Loonkosten", money(amount), text(rule, charges, trial_note), source, start)


def _lkv_amount(item, paid_hours: Decimal, start: date) -> tuple[Decimal | None, dict]:
    values = amounts(item, start)
    if item.amount_type != "per_uur" or values["amount_value"] is None:
        return None, values
    amount = values["amount_value"] * paid_hours
    if values["amount_max_per_year"] is not None:
        amount = min(amount, values["amount_max_per_year"])
    return money(amount), values


def _best_lkv(lkvs: Sequence, paid_hours: Decimal, start: date):
    scored = [(a, i) for i in lkvs for a in [_lkv_amount(i, paid_hours, start)[0]] if a is not None]
    return max(scored, key=lambda pair: pair[0])[1] if len(scored) > 1 else None


def _lkv(item, paid_hours: Decimal, start: date, n: int) -> Line | None:
    months = _months(item)
    if months is not None and n * 12 >= months:
        return None
    if not _running(item, start):
        return Line(item.name, Decimal(0), text(msg("%(name)s loopt niet op %(day)s.", name=item.name,
                                                    day=nl_date(start))), item.source_url, start)
    amount, values = _lkv_amount(item, paid_hours, start)
    if amount is None:
        return Line(item.name, None, text(msg("Het bedrag van %(name)s op %(day)s is onbekend.", name=item.name,
                                              day=nl_date(start))), item.source_url, start)
    if values["amount_max_per_year"] is not None:
        rule = msg("€ %(rate)s per verloond uur × %(hours)s uur, hoogstens € %(maximum)s per jaar (UWV rekent per "
                   "kalenderjaar).", rate=values["amount_value"], hours=f"{paid_hours:.0f}",
                   maximum=values["amount_max_per_year"])
    else:
        rule = msg("€ %(rate)s per verloond uur × %(hours)s uur (UWV rekent per kalenderjaar).",
                   rate=values["amount_value"], hours=f"{paid_hours:.0f}")
    return Line(item.name, amount, text(rule), item.source_url, start)


def _dispensation(item, data: EstimateInput, wage_line: Line, start: date) -> Line:
    if data.loonwaarde is None or wage_line.amount is None:
        return Line(item.name, None, text(msg("Loondispensatie: vul de loonwaarde in (die stelt UWV vast).")),
                    item.source_url, start)
    return Line(item.name, money(wage_line.amount * (1 - data.loonwaarde / 100)),
                text(msg("U betaalt loon naar de loonwaarde (%(loonwaarde)s%%): (100%% − %(loonwaarde)s%%) × de "
                         "loonkosten.", loonwaarde=data.loonwaarde)), item.source_url, start)


def _premium(item, start: date, n: int) -> Line | None:
    values = amounts(item, start)
    if values["amount_value"] is None or item.amount_type not in ("vast", "per_maand"):
        return Line(item.name, None, text(msg("Het bedrag van %(name)s is onbekend.", name=item.name)),
                    item.source_url, start) if n == 0 else None
    if item.amount_type == "vast":
        return Line(item.name, money(values["amount_value"]), text(msg("Eenmalig € %(amount)s.",
                                                                       amount=values["amount_value"])),
                    item.source_url, start) if n == 0 else None
    months = _months(item) or 12
    in_year = max(0, min(12, months - 12 * n))
    if not in_year:
        return None
    return Line(item.name, money(values["amount_value"] * in_year),
                text(msg("€ %(amount)s per maand × %(months)s maanden.", amount=values["amount_value"],
                         months=in_year)), item.source_url, start)


def _running(item, day: date) -> bool:
    return (item.valid_from is None or item.valid_from <= day) and (item.valid_until is None or day <= item.valid_until)
