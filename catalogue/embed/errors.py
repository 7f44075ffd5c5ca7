"""The refusal of one embed setting: a msgid with %(name)s placeholders (Dutch; the web layer translates it, messages.po)."""
from __future__ import annotations

from dataclasses import dataclass, field

# origins.py
SCHEME = "‘%(value)s’: begin met https:// (http:// mag alleen voor localhost)."
WILDCARD = "‘%(value)s’: jokertekens (*) zijn niet toegestaan; noem elke website apart."
PATH = "‘%(value)s’: alleen de herkomst, zonder pad, zoekvraag of #; bijvoorbeeld https://www.gouda.nl."
USERINFO = "‘%(value)s’: een gebruikersnaam of wachtwoord hoort niet in het adres."
HOST = "‘%(value)s’: dit is geen geldige domeinnaam."
PORT = "‘%(value)s’: het poortnummer moet een getal van 1 tot en met 65535 zijn."
TOO_MANY = "Noem ten hoogste %(max)d websites."
# branding.py
COLOUR = "Kies een kleur als #rrggbb, bijvoorbeeld #01689b."
LOGO_TYPE = "Het logo moet een PNG-, JPEG- of WebP-afbeelding zijn."
LOGO_SIZE = "Het logo is groter dan %(max)d kB; maak het kleiner."
LOGO_PIXELS = "Het logo is groter dan %(max)d bij %(max)d pixels; maak het kleiner."
LOGO_DAMAGED = "Dit bestand is geen leesbare afbeelding."


@dataclass
class SettingError(ValueError):
    message: str
    values: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message % self.values
