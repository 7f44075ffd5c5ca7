"""The refusal of one embed setting: a msgid with %(name)s placeholders (Dutch; the web layer translates it)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SettingError(ValueError):
    message: str
    values: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message % self.values
