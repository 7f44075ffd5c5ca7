"""One Dennis instrument -> a record of our input schema, and a list of what could not be mapped. No Flask.

Field by field (the shape of d-core's InstrumentResource):

- `uuid` -> external id; `name`; `short_description` -> summary (plain text; from the description when missing);
  `description`, `conditions`, `applications` -> description, conditions, how to apply (HTML, sanitised by the input
  schema); `locations[]` (and the `provider`'s address) are added to the description as a list "Locaties".
- `organisation` (else `provider.organisation`) -> our provider: a LocalParty by its township (CBS code, else name), a
  RegionalParty by its region (AM code, else name), a NationalParty by name (UWV, Belastingdienst, ...), a Partnership of
  gemeenten in one arbeidsmarktregio -> that region's werkgeversservicepunt.
- `available_townships` / `available_neighbourhoods` (their township) / `available_regions` -> reach lokaal with those
  gemeenten (a region next to gemeenten adds its gemeenten) or regionaal with those regions; `reach: national` ->
  landelijk; none -> the provider's own area.
- `target_groups[]` with DD01-DD05 -> schemes (the `dennis:` codes in taxonomies.yaml); other codes and local groups
  without code -> our target groups by description (seed_data/dennis.yaml); `age_groups[]` (LG), `employment_types[]`
  (DV) by code, else description; `sectors[]` by SBI letter, else description; `tiles[]` (no code in the export) by
  code, key or name -> journey phases (DW01-DW10); `target_group_registers[]` "Ja" -> doelgroepregister required.
- `links[]`, `downloads[]`, `videos[]` (YouTube, Vimeo) -> links; `contacts[]` and the `provider` (uitvoerder) ->
  contacts; `registration_codes[]` (when present) -> internal notes.
- `publish` (active) + `publish_from`/`publish_to` -> status and publication window, so what Dennis shows is shown
  here; `is_leerwerktraject` -> leerwerktraject. Dennis has no soort: it is read from the name (seed_data/dennis.yaml).

Everything that could not be mapped is reported per instrument and, for new instruments, kept in the internal notes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from datetime import date
from pathlib import Path

import yaml
from marshmallow import ValidationError, validate
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ...config import SEED_DIR
from ...models import InstrumentKind, Municipality, Provider, Region, TaxonomyTerm
from ...sanitize import plain_text
from ..header import norm
from .reading import describe

MAX_TEXT = 20000
_EMAIL = validate.Email()
_URL = validate.URL(schemes={"http", "https"})
_VIDEO_URLS = {"youtube": "https://www.youtube.com/watch?v={}", "vimeo": "https://vimeo.com/{}"}


def load_rules(seed_dir: Path = SEED_DIR) -> dict:
    with (seed_dir / "dennis.yaml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


@dataclass
class Mapped:
    record: dict  # input-schema record (no slug: that is ours)
    provider: Provider | None
    updated_at: str | None  # Dennis's own last change, as written
    texts: dict[str, str | None] = field(default_factory=dict)  # the free texts, for parameter proposals
    notes: list[str] = field(default_factory=list)  # what could not be mapped, or was mapped with an assumption
    errors: list[str] = field(default_factory=list)
    kind_note: str | None = None  # how the soort was chosen
    active: bool = False  # published (active) in Dennis
    internal: list[str] = field(default_factory=list)  # lines for the internal notes of a new instrument


def _words(text: str) -> str:
    return f" {norm(text)} "


def _has(haystack: str, needle: str) -> bool:
    return f" {norm(needle)} " in haystack


def _list(item: dict, key: str) -> list:
    value = item.get(key)
    return [v for v in value if v is not None] if isinstance(value, list) else []


def _str(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    return value.strip() or None if isinstance(value, str) else None


def _date(value) -> date | None:
    text = _str(value)
    if text is None:
        return None
    return date.fromisoformat(text[:10])


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rsplit(" ", 1)[0] + "…"


def _municipality_code(code) -> str | None:
    text = _str(code)
    if text is None:
        return None
    text = text.upper()
    if re.fullmatch(r"\d{1,4}", text):
        return f"GM{int(text):04d}"
    return text


class DennisMapper:
    """Knows our gemeenten, regions, providers, terms and kinds; maps Dennis instruments onto them."""

    def __init__(self, session: Session, default_kind: str | None = None, source_url: str | None = None,
                 rules: dict | None = None):
        rules = rules if rules is not None else load_rules()
        self.default_kind = default_kind
        self.source_url = source_url  # a template with {uuid} and {slug}, e.g. the Dennis page of the instrument
        self.kinds = {k.code for k in session.scalars(select(InstrumentKind))}
        if default_kind is not None and default_kind not in self.kinds:
            raise ValueError(f"onbekende soort '{default_kind}'")
        self.kind_keywords = [(code, words) for code, words in (rules.get("kind_keywords") or {}).items()
                              if code in self.kinds]
        self.target_group_keywords = list((rules.get("target_group_keywords") or {}).items())
        self.municipalities: dict[str, Municipality] = {}
        self.municipality_names: dict[str, Municipality | None] = {}  # None: the name is ambiguous
        for m in session.scalars(select(Municipality).options(selectinload(Municipality.region))):
            self.municipalities[m.code] = m
            key = norm(m.name)
            self.municipality_names[key] = None if key in self.municipality_names else m
        self.regions = {}
        self.region_names = {}
        for r in session.scalars(select(Region)):
            self.regions[r.code] = r
            self.region_names[norm(r.name)] = r
        self.region_municipalities: dict[int, list[str]] = {}
        for m in self.municipalities.values():
            self.region_municipalities.setdefault(m.region_id, []).append(m.code)
        self.by_municipality: dict[int, Provider] = {}
        self.by_region: dict[int, Provider] = {}
        self.national: dict[str, Provider] = {}
        providers = list(session.scalars(select(Provider)))
        for p in providers:
            if p.type == "gemeente" and p.municipality_id:
                self.by_municipality[p.municipality_id] = p
            elif p.type == "regio" and p.region_id:
                self.by_region[p.region_id] = p
            elif p.is_national:
                for name in (p.slug, p.name):
                    self.national.setdefault(norm(name), p)
        by_slug = {p.slug: p for p in providers}
        for slug, names in (rules.get("national_provider_names") or {}).items():
            if slug in by_slug:
                for name in names:
                    self.national.setdefault(norm(name), by_slug[slug])
        self.terms: dict[str, dict[str, str]] = {}  # taxonomy -> {DD/LG/DV/DW code, our code, name: our code}
        for t in session.scalars(select(TaxonomyTerm)):
            index = self.terms.setdefault(t.taxonomy, {})
            for name in (t.external_code, t.code, t.name, t.name_en):
                if name:
                    index.setdefault(norm(name), t.code)

    # -- lookups ------------------------------------------------------------------------------------------------------

    def municipality(self, township) -> tuple[Municipality | None, str | None]:
        """A Dennis township ({code, name}) -> our gemeente, or the reason why not."""
        if not isinstance(township, dict):
            return None, "geen gemeente opgegeven"
        code, name = _municipality_code(township.get("code")), _str(township.get("name"))
        if code and code in self.municipalities:
            return self.municipalities[code], None
        if name:
            key = norm(re.sub(r"^gemeente\s+", "", name, flags=re.I))
            if key in self.municipality_names:
                found = self.municipality_names[key]
                if found is None:
                    return None, f"gemeentenaam '{name}' is niet eenduidig en de CBS-code ontbreekt"
                return found, None
        return None, f"onbekende gemeente '{name or '?'}'" + (f" (code {code})" if code else "")

    def region(self, region) -> tuple[Region | None, str | None]:
        if not isinstance(region, dict):
            return None, "geen arbeidsmarktregio opgegeven"
        code, name = (_str(region.get("code")) or "").upper(), _str(region.get("name"))
        if code in self.regions:
            return self.regions[code], None
        if name and norm(name) in self.region_names:
            return self.region_names[norm(name)], None
        return None, f"onbekende arbeidsmarktregio '{name or '?'}'" + (f" (code {code})" if code else "")

    def term(self, taxonomy: str, *names) -> str | None:
        index = self.terms.get(taxonomy, {})
        for name in names:
            text = _str(name)
            if text and norm(text) in index:
                return index[norm(text)]
        return None

    # -- the mapping ----------------------------------------------------------------------------------------------------

    def map(self, position: int, item: dict) -> Mapped:
        who = describe(position, item)
        out = Mapped(record={}, provider=None, updated_at=_str(item.get("updated_at")))

        def error(key: str, message: str) -> None:
            out.errors.append(f"{who}, veld '{key}': {message}")

        def note(message: str, internal: bool = True) -> None:
            out.notes.append(message)
            if internal:
                out.internal.append(message)

        record = out.record
        record["external_id"] = item["uuid"].strip()
        name = plain_text(_str(item.get("name")))
        if not name or len(name) < 2:
            error("name", "ontbreekt of is korter dan 2 tekens")
        elif len(name) > 250:
            error("name", f"langer dan 250 tekens ({len(name)})")
        record["name"] = name
        self._provider(item, out, error, note)
        self._texts(item, out, error, note)
        self._availability(item, out, error, note)
        self._terms(item, out, note)
        self._links_and_contacts(item, out, note)
        self._publication(item, out, error, note)
        self._kind(item, out, error)
        record["leerwerktraject"] = bool(item.get("is_leerwerktraject"))
        codes = [c for c in _list(item, "registration_codes") if isinstance(c, dict)]
        if codes:
            out.internal.append("Registratiecodes in Dennis: " + "; ".join(
                " ".join(x for x in (_str(c.get("code")), _str(c.get("label"))) if x) for c in codes))
        return out

    def _provider(self, item, out: Mapped, error, note) -> None:
        org = item.get("organisation")
        where = "organisation"
        if not isinstance(org, dict) and isinstance(item.get("provider"), dict):
            org, where = item["provider"].get("organisation"), "provider.organisation"
        if not isinstance(org, dict):
            error("organisation", "ontbreekt; zonder organisatie is de aanbieder onbekend")
            return
        kind = _str(org.get("type")) or ""
        if isinstance(org.get("localParty"), dict) or kind == "LocalParty":
            m, problem = self.municipality((org.get("localParty") or {}).get("township"))
            if m is None:
                error(f"{where}.localParty.township", problem)
                return
            out.provider = self.by_municipality.get(m.id)
        elif isinstance(org.get("regionalParty"), dict) or kind == "RegionalParty":
            r, problem = self.region((org.get("regionalParty") or {}).get("region"))
            if r is None:
                error(f"{where}.regionalParty.region", problem)
                return
            out.provider = self.by_region.get(r.id)
        elif isinstance(org.get("nationalParty"), dict) or kind == "NationalParty":
            name = _str((org.get("nationalParty") or {}).get("name")) or _str(org.get("name")) or ""
            out.provider = self.national.get(norm(name))
            if out.provider is None:
                error(f"{where}.nationalParty.name", f"onbekende landelijke aanbieder '{name}'; voeg die eerst toe "
                                                     "(seed_data/national) of vul de naam aan in seed_data/dennis.yaml")
                return
        elif isinstance(org.get("partnership"), dict) or kind == "Partnership":
            partnership = org.get("partnership") or {}
            found = [self.municipality(t) for t in _list(partnership, "townships")]
            problems = [p for m, p in found if m is None]
            if problems:
                error(f"{where}.partnership.townships", "; ".join(problems))
                return
            regions = {m.region_id for m, _p in found}
            if len(regions) != 1:
                error(f"{where}.partnership", "een samenwerkingsverband zonder gemeenten of met gemeenten in meer dan "
                                              "één arbeidsmarktregio: kies de aanbieder in Dennis")
                return
            out.provider = self.by_region.get(regions.pop())
            if out.provider is not None:
                note(f"samenwerkingsverband '{_str(partnership.get('name')) or _str(org.get('name')) or '?'}': als "
                     f"aanbieder is {out.provider.name} genomen")
        else:
            error(f"{where}.type", f"onbekend soort organisatie '{kind}'")
            return
        if out.provider is None:
            error(where, "voor deze gemeente of regio bestaat geen aanbieder (draai eerst 'catalogue seed')")
            return
        out.record["provider"] = out.provider.slug

    def _texts(self, item, out: Mapped, error, note) -> None:
        record = out.record
        for ours, theirs in (("description", "description"), ("conditions", "conditions"),
                             ("how_to_apply", "applications")):
            value = _str(item.get(theirs))
            if value is not None and len(value) > MAX_TEXT:
                error(theirs, f"langer dan {MAX_TEXT} tekens ({len(value)}); kort de tekst in Dennis in")
            record[ours] = value
        out.texts = {"summary": _str(item.get("short_description")), "description": record["description"],
                     "conditions": record["conditions"], "how_to_apply": record["how_to_apply"]}
        summary = plain_text(_str(item.get("short_description"))) or ""
        if len(summary) < 10:
            description = plain_text(record["description"]) or ""
            if len(description) >= 10:
                summary = _cut(description, 300)
                note("geen korte omschrijving (short_description): de samenvatting is het begin van de beschrijving")
            else:
                error("short_description", "ontbreekt (en de beschrijving is leeg); de samenvatting is verplicht")
        elif len(summary) > 1000:
            summary = _cut(summary, 1000)
            note("korte omschrijving langer dan 1000 tekens: ingekort", internal=False)
        record["summary"] = summary or None
        places = []
        for loc in _list(item, "locations"):
            if not isinstance(loc, dict):
                continue
            address = self._address(loc.get("address"))
            label = " ".join(x for x in (_str(loc.get("name")),
                                         f"({_str((loc.get('type') or {}).get('name'))})"
                                         if isinstance(loc.get("type"), dict) and loc["type"].get("name") else None)
                             if x)
            if label or address:
                places.append(": ".join(x for x in (label, address) if x))
        provider = item.get("provider")
        if isinstance(provider, dict) and _str(provider.get("name")) and self._address(provider.get("address")):
            places.append(f"{_str(provider['name'])} (uitvoerder): {self._address(provider['address'])}")
        if places:
            items = "".join(f"<li>{escape(p)}</li>" for p in places)
            record["description"] = (record["description"] or "") + f"<h3>Locaties</h3><ul>{items}</ul>"

    @staticmethod
    def _address(address) -> str | None:
        if not isinstance(address, dict):
            return None
        street = " ".join(x for x in (_str(address.get("straatnaam")), _str(address.get("huisnummer"))) if x)
        if not street and _str(address.get("postbusnummer")):
            street = f"Postbus {_str(address['postbusnummer'])}"
        place = " ".join(x for x in (_str(address.get("postcode")), _str(address.get("woonplaats"))) if x)
        return ", ".join(x for x in (street, place) if x) or None

    def _availability(self, item, out: Mapped, error, note) -> None:
        record = out.record
        municipalities: list[str] = []
        regions: list[str] = []
        for n, town in enumerate(_list(item, "available_townships")):
            m, problem = self.municipality(town)
            if m is None:
                error(f"available_townships[{n}]", problem)
            elif m.code not in municipalities:
                municipalities.append(m.code)
        for n, hood in enumerate(_list(item, "available_neighbourhoods")):
            m, problem = self.municipality((hood or {}).get("township") if isinstance(hood, dict) else None)
            if m is None:
                error(f"available_neighbourhoods[{n}].township", problem)
                continue
            note(f"alleen in de wijk '{_str(hood.get('name')) or '?'}': opgenomen als de hele gemeente {m.name}")
            if m.code not in municipalities:
                municipalities.append(m.code)
        for n, region in enumerate(_list(item, "available_regions")):
            r, problem = self.region(region)
            if r is None:
                error(f"available_regions[{n}]", problem)
            elif r.code not in regions:
                regions.append(r.code)
        reach = _str(item.get("reach"))
        if reach == "national" or item.get("is_national") is True:
            record["reach"] = "landelijk"
        elif municipalities:
            record["reach"] = "lokaal"
            for code in regions:
                extra = [c for c in self.region_municipalities.get(self.regions[code].id, []) if c not in municipalities]
                municipalities += extra
                note(f"beschikbaar in gemeenten én in arbeidsmarktregio {code}: opgenomen als alle gemeenten van de "
                     "regio", internal=False)
            record["municipalities"] = sorted(municipalities)
        elif regions:
            record["reach"] = "regionaal"
            record["regions"] = regions
        elif out.provider is not None:
            record["reach"] = {"gemeente": "lokaal", "regio": "regionaal"}.get(out.provider.type, "landelijk")
            note("geen beschikbaarheid in de export: aangenomen is het gebied van de aanbieder", internal=False)

    def _terms(self, item, out: Mapped, note) -> None:
        record = out.record
        lists: dict[str, list[str]] = {k: [] for k in ("target_groups", "schemes", "age_groups", "sectors",
                                                      "employment_types", "journey_phases")}

        def add(key, code):
            if code and code not in lists[key]:
                lists[key].append(code)

        for group in _list(item, "target_groups"):
            if not isinstance(group, dict):
                continue
            code, text = _str(group.get("code")), _str(group.get("description")) or ""
            scheme = self.term("scheme", code) if code else None
            group_code = None if scheme else self.term("target_group", text) or self._target_group_by_words(text)
            scheme = scheme or (None if group_code else self.term("scheme", text))
            if group_code:
                add("target_groups", group_code)
            elif scheme:
                add("schemes", scheme)
            else:
                what = f"doelgroep '{text}'" + (f" ({code})" if code else " (eigen doelgroep zonder code)")
                note(f"{what}: geen van onze doelgroepen of uitkeringen")
        for key, taxonomy, code_key, word in (("age_groups", "age_group", "code", "leeftijdsgroep"),
                                              ("employment_types", "employment_type", "code", "dienstverband"),
                                              ("sectors", "sector", "sbi_group", "sector")):
            for entry in _list(item, key):
                if not isinstance(entry, dict):
                    continue
                found = self.term(taxonomy, entry.get(code_key), entry.get("description"))
                if found:
                    add(key, found)
                else:
                    code = _str(entry.get(code_key))
                    note(f"{word} '{_str(entry.get('description')) or '?'}'" + (f" ({code})" if code else "")
                         + ": onbekend")
        for tile in _list(item, "tiles"):
            if not isinstance(tile, dict):
                continue
            key = (_str(tile.get("key")) or "").replace("_", "-")
            found = self.term("journey_phase", tile.get("code"), key, tile.get("name"))
            if found:
                add("journey_phases", found)
            else:
                note(f"tegel '{_str(tile.get('name')) or '?'}': geen fase werkgeversdienstverlening")
        registers = {norm(_str(r.get("description")) or "") for r in _list(item, "target_group_registers")
                     if isinstance(r, dict)}
        record["requires_doelgroepregister"] = registers == {"ja"}
        if registers - {"ja", "nee", ""}:
            note(f"doelgroepregister '{', '.join(sorted(registers))}': niet als ja of nee te lezen", internal=False)
        record.update(lists)

    def _target_group_by_words(self, text: str) -> str | None:
        haystack = _words(text)
        for code, words in self.target_group_keywords:
            if any(_has(haystack, w) for w in words) and self.term("target_group", code):
                return code
        return None

    def _links_and_contacts(self, item, out: Mapped, note) -> None:
        links: list[dict] = []

        def link(title, url, what):
            url = _str(url)
            try:
                _URL(url or "")
            except ValidationError:
                note(f"{what} '{title or url or '?'}': geen geldig webadres (http of https)")
                return
            if any(x["url"] == url for x in links):
                return
            links.append({"title": (plain_text(_str(title)) or url)[:300], "url": url})

        for entry in _list(item, "links"):
            if isinstance(entry, dict):
                link(entry.get("label"), entry.get("url"), "link")
        for entry in _list(item, "downloads"):
            if isinstance(entry, dict):
                link(entry.get("label") or entry.get("filename"), entry.get("url"), "download")
        for entry in _list(item, "videos"):
            if not isinstance(entry, dict):
                continue
            provider, ident = (_str(entry.get("provider")) or "").lower(), _str(entry.get("video_identifier")) or ""
            if provider in _VIDEO_URLS and re.fullmatch(r"[A-Za-z0-9_-]{4,40}", ident):
                link(f"Video ({provider.capitalize() if provider != 'youtube' else 'YouTube'})",
                     _VIDEO_URLS[provider].format(ident), "video")
            else:
                note(f"video '{provider} {ident}': onbekende videodienst of code")
        if len(links) > 30:
            note(f"{len(links)} links, downloads en video's: de eerste 30 zijn overgenomen")
        out.record["links"] = links[:30]

        contacts: list[dict] = []

        def contact(name, phone, email, what):
            email = _str(email)
            if email:
                try:
                    _EMAIL(email)
                except ValidationError:
                    note(f"{what} '{name or email}': ongeldig e-mailadres '{email}' niet overgenomen")
                    email = None
            phone = plain_text(_str(phone))
            if phone and len(phone) > 50:
                note(f"{what} '{name}': telefoonnummer langer dan 50 tekens niet overgenomen")
                phone = None
            name = plain_text(_str(name)) or email or phone
            if not name:
                return
            entry = {k: v for k, v in (("name", name[:200]), ("phone", phone), ("email", email)) if v}
            if entry not in contacts:
                contacts.append(entry)

        for entry in _list(item, "contacts"):
            if not isinstance(entry, dict):
                continue
            label = _str(entry.get("label")) or (_str((entry.get("type") or {}).get("name"))
                                                 if isinstance(entry.get("type"), dict) else None)
            name = _str(entry.get("name"))
            contact(f"{name} ({label})" if name and label else name or label, entry.get("phone"), entry.get("email"),
                    "contact")
        provider = item.get("provider")
        if isinstance(provider, dict) and _str(provider.get("name")):
            details = provider.get("contact") if isinstance(provider.get("contact"), dict) else {}
            contact(f"{_str(provider['name'])} (uitvoerder)", details.get("phone"), details.get("email"), "uitvoerder")
        if len(contacts) > 20:
            note(f"{len(contacts)} contacten: de eerste 20 zijn overgenomen")
        out.record["contacts"] = contacts[:20]

    def _publication(self, item, out: Mapped, error, note) -> None:
        record = out.record
        for key in ("publish_from", "publish_to"):
            try:
                record[key] = _date(item.get(key))
            except ValueError:
                error(key, f"'{item.get(key)}' is geen datum")
                record[key] = None
        active = item.get("publish")
        if active is None:
            active = item.get("published")
        out.active = bool(active)
        record["status"] = "published" if active else "draft"
        if self.source_url:
            record["source_url"] = self.source_url.format(uuid=record["external_id"],
                                                          slug=_str(item.get("slug")) or "")
        elif record["links"]:
            record["source_url"] = record["links"][0]["url"]
            note(f"bron: de eerste link ({record['source_url']})", internal=False)
        else:
            record["source_url"] = None
            if record["status"] == "published":
                record["status"] = "draft"
                note("gepubliceerd in Dennis, maar zonder webadres als bron: hier als concept opgeslagen (vul de bron "
                     "in en publiceer)")

    def _kind(self, item, out: Mapped, error) -> None:
        for field_name in ("name", "short_description"):
            haystack = _words(plain_text(_str(item.get(field_name))) or "")
            for code, words in self.kind_keywords:
                word = next((w for w in words if _has(haystack, w)), None)
                if word:
                    out.record["kind"] = code
                    out.kind_note = f"soort '{code}' (uit '{word}' in {field_name})"
                    return
        if self.default_kind:
            out.record["kind"] = self.default_kind
            out.kind_note = f"soort '{self.default_kind}' (standaardsoort: niets herkend in naam of omschrijving)"
            return
        error("name", "de soort is niet uit de naam of de korte omschrijving af te leiden; kies een standaardsoort "
                      "(--default-kind) of vul seed_data/dennis.yaml aan")
