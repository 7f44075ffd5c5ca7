"""One number of the estimate (a `Line`): its label, amount, the rule that explains it, its source and the date its
values hold on. No Flask."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .texts import Msg, Text


@dataclass
class Line:
    label: str
    amount: Decimal | None  # None: cannot be computed (reason in `rule`)
    rule: Text
    source_url: str | None
    valid_on: date | None
    note: Msg | None = None  # which part of the instrument this line is (shown beside the label), translatable
