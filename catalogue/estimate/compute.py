"""The net-cost estimate: wage cost per year minus what each selected instrument pays, with every number's rule, source
and the date its values are valid on. An estimate, never a promise. No Flask.

Rules (worked examples in docs/estimate-examples.md):
- a year is 52 weeks; paid hours per year = hours per week × 52, minus the months of a proefplaatsing (no wage then);
- wage cost = gross wage per hour × paid hours, plus the werkgeverslasten percentage when one is given; with "wettelijk
  minimumloon" the hourly WML of each period (it changes on 1 January and 1 July) × the hours in that period;
- hours in a period = hours per week × 52 / 12 per month it covers (a part of a month by its calendar days);
- LKV (amount per paid hour): rate × paid hours, at most the yearly maximum, for as many years as the LKV runs; with
  several LKVs only the highest counts (seed_data/combinations.yaml);
- loonkostensubsidie (Participatiewet art. 10d): per WML period (WML − loonwaarde × WML) per hour, at most the cap share
  (70%) of the WML, plus the werkgeverslasten allowance (23.5% of it), × the hours in that period; needs the loonwaarde
  and a confirmed WML for every period of the year, otherwise it is "niet berekend" with the reason;
- loondispensatie: the employer pays wage for the loonwaarde only: (1 − loonwaarde) × wage cost (needs the loonwaarde);
- a one-off premium (amount `vast`) in the first year; an amount per month for the months it runs;
- risk cover (no-riskpolis) and services (jobcoaching, workplace, …) are listed beside the money, not counted.
An instrument's own amounts are taken on the first day of each year of the estimate (its dated parameter values); the
national values (seed_data/estimate.yaml) per period within the year.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Sequence

from ..combinations import Warning, add_months, check, load_rules
from ..dated import amounts
from .inputs import EstimateInput
from .rules import DatedValue, NationalValues, load_values

CENT = Decimal("0.01")
LKS_VALUES = ("wml_per_hour", "lks_cap_share_of_wml", "lks_employer_charges_allowance")
WEEKS_PER_YEAR = Decimal(52)
MAX_YEARS = 5
MONEY_KINDS = ("loonkostenvoordeel", "loonkostensubsidie", "loondispensatie", "premie", "proefplaatsing")


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Line:
    """One number of the estimate and where it comes from."""

    label: str
    amount: Decimal | None  # None: cannot be computed (reason in `rule`)
    rule: str
    source_url: str | None
    valid_on: date | None


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
    unknown: list[str]  # what could not be computed, in words

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
    rules = load_rules()
    count = years or _horizon(instruments)
    trial = max((_months(i) or 0 for i in instruments if i.kind.code == "proefplaatsing"), default=0)
    trial = min(trial, 12)
    unknown: list[str] = []
    out: list[Year] = []
    lkvs = [i for i in instruments if i.kind.code == "loonkostenvoordeel"]
    for n in range(count):
        start = add_months(data.start, 12 * n)
        end = add_months(data.start, 12 * (n + 1)) - timedelta(days=1)
        working_months = Decimal(12 - trial if n == 0 else 12)
        paid_hours = data.hours_per_week * WEEKS_PER_YEAR * working_months / 12
        work_start = add_months(start, trial) if n == 0 else start
        span = Span(work_start, end, data.hours_per_week)
        wage_line = _wage(data, paid_hours, values, span, start, n == 0 and trial)
        year = Year(n + 1, start, end, paid_hours, wage_line)
        best = _best_lkv(lkvs, paid_hours, start)
        for item in instruments:
            kind = item.kind.code
            if kind == "loonkostenvoordeel":
                line = _lkv(item, paid_hours, start, n)
                if line is not None and best is not None and item is not best and line.amount is not None:
                    line = Line(line.label, Decimal(0), line.rule + " Niet meegeteld: bij meer LKV's telt alleen het "
                                "hoogste.", line.source_url, start)
            elif kind == "loonkostensubsidie":
                line = _lks(item, data, values, span, start)
            elif kind == "loondispensatie":
                line = _dispensation(item, data, wage_line, start)
            elif kind == "premie":
                line = _premium(item, start, n)
            elif kind == "proefplaatsing" and n == 0 and trial:
                line = None  # counted in the wage cost: no wage during the trial months
            else:
                continue
            if line is not None:
                year.support.append(line)
                if line.amount is None and line.rule not in unknown:
                    unknown.append(line.rule)
        if wage_line.amount is None and wage_line.rule not in unknown:
            unknown.append(wage_line.rule)
        out.append(year)
    beside = [i for i in instruments if i.kind.code not in MONEY_KINDS]
    return Estimate(out, beside, check(instruments, rules), unknown)


@dataclass(frozen=True)
class Span:
    """The part of an estimate year in which wage is paid, and the hours per week."""

    start: date
    end: date
    hours_per_week: Decimal

    def hours(self, a: date, b: date) -> Decimal:
        """Paid hours from a to b inclusive: hours per week × 52 / 12 per month (a part of a month by its days)."""
        months, after = 0, b + timedelta(days=1)
        while add_months(a, months + 1) <= after:
            months += 1
        rest = add_months(a, months)
        fraction = Decimal(0)
        if rest < after:
            fraction = Decimal((after - rest).days) / Decimal((add_months(rest, 1) - rest).days)
        return self.hours_per_week * WEEKS_PER_YEAR / 12 * (months + fraction)


def _nl(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def _unconfirmed(name: str, row: DatedValue | None, day: date) -> str:
    what = {"wml_per_hour": "Het wettelijk minimumloon per uur", "lks_cap_share_of_wml": "Het maximum van de "
            "loonkostensubsidie", "lks_employer_charges_allowance": "De vergoeding voor werkgeverslasten"}[name]
    if row is None:
        return f"{what} op {_nl(day)} staat niet in de gids: niet bevestigd."
    return f"{what} op {_nl(day)}: niet bevestigd. {row.reason}".strip()


def _wml_periods(values: NationalValues, span: Span, names: tuple[str, ...]) -> tuple[list, str | None]:
    """The periods of the span with their rows, or the reason (niet bevestigd) why one of them has no value."""
    periods = values.periods(names, span.start, span.end) if span.start <= span.end else []
    for a, _b, rows in periods:
        for name in names:
            if rows[name] is None or not rows[name].confirmed:
                return [], _unconfirmed(name, rows[name], a)
    return periods, None


def _wage(data: EstimateInput, paid_hours: Decimal, values: NationalValues, span: Span, start: date,
          trial: int) -> Line:
    trial_note = f" De eerste {trial} maanden zijn een proefplaatsing: dan geen loonkosten." if trial else ""
    source = None
    if data.use_wml:
        periods, problem = _wml_periods(values, span, ("wml_per_hour",))
        if problem:
            return Line("Loonkosten", None, problem + " Vul het brutoloon per uur in.", None, start)
        parts, amount = [], Decimal(0)
        for a, b, rows in periods:
            hours = span.hours(a, b)
            amount += rows["wml_per_hour"].value * hours
            parts.append(f"€ {rows['wml_per_hour'].value} × {hours:.0f} uur ({_nl(a)} t/m {_nl(b)})")
        rule = "Wettelijk minimumloon per uur × uren per periode: " + " + ".join(parts)
        source = periods[0][2]["wml_per_hour"].source_url if periods else None
    else:
        amount = data.wage_per_hour * paid_hours
        rule = f"Brutoloon € {data.wage_per_hour} per uur × {paid_hours:.0f} uur"
    if data.employer_charges is not None:
        amount *= 1 + data.employer_charges / 100
        rule += f", plus {data.employer_charges}% werkgeverslasten"
    else:
        rule += " (zonder werkgeverslasten en vakantiegeld: vul het percentage in om ze mee te tellen)"
    return Line("Loonkosten", _money(amount), rule + "." + trial_note, source, start)


def _lkv_amount(item, paid_hours: Decimal, start: date) -> tuple[Decimal | None, dict]:
    values = amounts(item, start)
    if item.amount_type != "per_uur" or values["amount_value"] is None:
        return None, values
    amount = values["amount_value"] * paid_hours
    if values["amount_max_per_year"] is not None:
        amount = min(amount, values["amount_max_per_year"])
    return _money(amount), values


def _best_lkv(lkvs: Sequence, paid_hours: Decimal, start: date):
    scored = [(a, i) for i in lkvs for a in [_lkv_amount(i, paid_hours, start)[0]] if a is not None]
    return max(scored, key=lambda pair: pair[0])[1] if len(scored) > 1 else None


def _lkv(item, paid_hours: Decimal, start: date, n: int) -> Line | None:
    months = _months(item)
    if months is not None and n * 12 >= months:
        return None
    if not _running(item, start):
        return Line(item.name, Decimal(0), f"{item.name} loopt niet op {start.isoformat()}.", item.source_url, start)
    amount, values = _lkv_amount(item, paid_hours, start)
    if amount is None:
        return Line(item.name, None, f"Het bedrag van {item.name} op {start.isoformat()} is onbekend.", item.source_url,
                    start)
    rule = f"€ {values['amount_value']} per verloond uur × {paid_hours:.0f} uur"
    if values["amount_max_per_year"] is not None:
        rule += f", hoogstens € {values['amount_max_per_year']} per jaar"
    return Line(item.name, amount, rule + " (UWV rekent per kalenderjaar).", item.source_url, start)


def _lks(item, data: EstimateInput, values: NationalValues, span: Span, start: date) -> Line:
    if data.loonwaarde is None:
        return Line(item.name, None, "Loonkostensubsidie: vul de loonwaarde in (die stelt de gemeente op de werkplek vast).",
                    item.source_url, start)
    periods, problem = _wml_periods(values, span, LKS_VALUES)
    if problem:
        return Line(item.name, None, f"Loonkostensubsidie niet berekend. {problem}", item.source_url, start)
    parts, amount = [], Decimal(0)
    for a, b, rows in periods:
        wml, cap, allowance = (rows[name].value for name in LKS_VALUES)
        per_hour = min(wml - wml * data.loonwaarde / 100, wml * cap)
        hours = span.hours(a, b)
        amount += per_hour * (1 + allowance) * hours
        parts.append(f"{_nl(a)} t/m {_nl(b)}: (WML € {wml} − loonwaarde {data.loonwaarde}%), hoogstens "
                     f"{cap * 100:.0f}% van het WML = € {_money(per_hour)} per uur, plus {allowance * 100:.1f}% "
                     f"vergoeding werkgeverslasten, × {hours:.0f} uur")
    first = periods[0][2] if periods else {}
    source = first["lks_cap_share_of_wml"].source_url if first else item.source_url
    return Line(item.name, _money(amount), "; ".join(parts) + ".", source, start)


def _dispensation(item, data: EstimateInput, wage_line: Line, start: date) -> Line:
    if data.loonwaarde is None or wage_line.amount is None:
        return Line(item.name, None, "Loondispensatie: vul de loonwaarde in (die stelt UWV vast).", item.source_url, start)
    return Line(item.name, _money(wage_line.amount * (1 - data.loonwaarde / 100)),
                f"U betaalt loon naar de loonwaarde ({data.loonwaarde}%): (100% − {data.loonwaarde}%) × de loonkosten.",
                item.source_url, start)


def _premium(item, start: date, n: int) -> Line | None:
    values = amounts(item, start)
    if values["amount_value"] is None or item.amount_type not in ("vast", "per_maand"):
        return Line(item.name, None, f"Het bedrag van {item.name} is onbekend.", item.source_url, start) if n == 0 else None
    if item.amount_type == "vast":
        return Line(item.name, _money(values["amount_value"]), f"Eenmalig € {values['amount_value']}.", item.source_url,
                    start) if n == 0 else None
    months = _months(item) or 12
    in_year = max(0, min(12, months - 12 * n))
    if not in_year:
        return None
    return Line(item.name, _money(values["amount_value"] * in_year), f"€ {values['amount_value']} per maand × {in_year} "
                "maanden.", item.source_url, start)


def _running(item, day: date) -> bool:
    return (item.valid_from is None or item.valid_from <= day) and (item.valid_until is None or day <= item.valid_until)
