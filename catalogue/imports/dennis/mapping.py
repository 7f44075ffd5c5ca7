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
from datetime import date
from html import escape

from marshmallow import ValidationError, validate

from ...models import Provider
from ...sanitize import plain_text
from .reading import describe
from ..header import norm
from .reference import Reference, has_words, text_of, words_of

MAX_TEXT = 20000
_EMAIL = validate.Email()
_URL = validate.URL(schemes={"http", "https"})
_VIDEO_URLS = {"youtube": "https://www.youtube.com/watch?v={}", "vimeo": "https://vimeo.com/{}"}


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


def _list(item: dict, key: str) -> list:
    value = item.get(key)
    return [v for v in value if v is not None] if isinstance(value, list) else []


def _date(value) -> date | None:
    text = text_of(value)
    if text is None:
        return None
    return date.fromisoformat(text[:10])


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rsplit(" ", 1)[0] + "…"


class DennisMapper(Reference):
    """Maps Dennis instruments onto our model (see the module docstring)."""

    # -- the mapping ----------------------------------------------------------------------------------------------------

    def map(self, position: int, item: dict) -> Mapped:
        who = describe(position, item)
        out = Mapped(record={}, provider=None, updated_at=text_of(item.get("updated_at")))

        def error(key: str, message: str) -> None:
            out.errors.append(f"{who}, veld '{key}': {message}")

        def note(message: str, internal: bool = True) -> None:
            out.notes.append(message)
            if internal:
                out.internal.append(message)

        record = out.record
        record["external_id"] = item["uuid"].strip()
        name = plain_text(text_of(item.get("name")))
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
                " ".join(x for x in (text_of(c.get("code")), text_of(c.get("label"))) if x) for c in codes))
        return out

    def _provider(self, item, out: Mapped, error, note) -> None:
        org = item.get("organisation")
        where = "organisation"
        if not isinstance(org, dict) and isinstance(item.get("provider"), dict):
            org, where = item["provider"].get("organisation"), "provider.organisation"
        if not isinstance(org, dict):
            error("organisation", "ontbreekt; zonder organisatie is de aanbieder onbekend")
            return
        kind = text_of(org.get("type")) or ""
        area = next(((party, key, find, providers) for party, key, find, providers in (
            ("localParty", "township", self.municipality, self.by_municipality),
            ("regionalParty", "region", self.region, self.by_region))
            if isinstance(org.get(party), dict) or kind == party[0].upper() + party[1:]), None)
        if area is not None:  # a gemeente or a region: its own provider
            party, key, find, providers = area
            place, problem = find((org.get(party) or {}).get(key))
            if place is None:
                error(f"{where}.{party}.{key}", problem)
                return
            out.provider = providers.get(place.id)
        elif isinstance(org.get("nationalParty"), dict) or kind == "NationalParty":
            name = text_of((org.get("nationalParty") or {}).get("name")) or text_of(org.get("name")) or ""
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
                note(f"samenwerkingsverband '{text_of(partnership.get('name')) or text_of(org.get('name')) or '?'}': als "
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
            value = text_of(item.get(theirs))
            if value is not None and len(value) > MAX_TEXT:
                error(theirs, f"langer dan {MAX_TEXT} tekens ({len(value)}); kort de tekst in Dennis in")
            record[ours] = value
        out.texts = {"summary": text_of(item.get("short_description")), "description": record["description"],
                     "conditions": record["conditions"], "how_to_apply": record["how_to_apply"]}
        summary = plain_text(text_of(item.get("short_description"))) or ""
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
            label = " ".join(x for x in (text_of(loc.get("name")),
                                         f"({text_of((loc.get('type') or {}).get('name'))})"
                                         if isinstance(loc.get("type"), dict) and loc["type"].get("name") else None)
                             if x)
            if label or address:
                places.append(": ".join(x for x in (label, address) if x))
        provider = item.get("provider")
        if isinstance(provider, dict) and text_of(provider.get("name")) and self._address(provider.get("address")):
            places.append(f"{text_of(provider['name'])} (uitvoerder): {self._address(provider['address'])}")
        if places:
            items = "".join(f"<li>{escape(p)}</li>" for p in places)
            record["description"] = (record["description"] or "") + f"<h3>Locaties</h3><ul>{items}</ul>"

    @staticmethod
    def _address(address) -> str | None:
        if not isinstance(address, dict):
            return None
        street = " ".join(x for x in (text_of(address.get("straatnaam")), text_of(address.get("huisnummer"))) if x)
        if not street and text_of(address.get("postbusnummer")):
            street = f"Postbus {text_of(address['postbusnummer'])}"
        place = " ".join(x for x in (text_of(address.get("postcode")), text_of(address.get("woonplaats"))) if x)
        return ", ".join(x for x in (street, place) if x) or None

    def _availability(self, item, out: Mapped, error, note) -> None:
        record = out.record
        municipalities: list[str] = []
        regions: list[str] = []
        _add_codes(_list(item, "available_townships"), self.municipality, "available_townships", error, municipalities)
        for n, hood in enumerate(_list(item, "available_neighbourhoods")):
            m, problem = self.municipality((hood or {}).get("township") if isinstance(hood, dict) else None)
            if m is None:
                error(f"available_neighbourhoods[{n}].township", problem)
                continue
            note(f"alleen in de wijk '{text_of(hood.get('name')) or '?'}': opgenomen als de hele gemeente {m.name}")
            if m.code not in municipalities:
                municipalities.append(m.code)
        _add_codes(_list(item, "available_regions"), self.region, "available_regions", error, regions)
        reach = text_of(item.get("reach"))
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
            code, text = text_of(group.get("code")), text_of(group.get("description")) or ""
            scheme = self.term("scheme", code) if code else None
            group_code = None if scheme else self.term("target_group", text) or self.target_group_by_words(text)
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
                    code = text_of(entry.get(code_key))
                    note(f"{word} '{text_of(entry.get('description')) or '?'}'" + (f" ({code})" if code else "")
                         + ": onbekend")
        for tile in _list(item, "tiles"):
            if not isinstance(tile, dict):
                continue
            key = (text_of(tile.get("key")) or "").replace("_", "-")
            found = self.term("journey_phase", tile.get("code"), key, tile.get("name"))
            if found:
                add("journey_phases", found)
            else:
                note(f"tegel '{text_of(tile.get('name')) or '?'}': geen fase werkgeversdienstverlening")
        registers = {norm(text_of(r.get("description")) or "") for r in _list(item, "target_group_registers")
                     if isinstance(r, dict)}
        record["requires_doelgroepregister"] = registers == {"ja"}
        if registers - {"ja", "nee", ""}:
            note(f"doelgroepregister '{', '.join(sorted(registers))}': niet als ja of nee te lezen", internal=False)
        record.update(lists)

    def _links_and_contacts(self, item, out: Mapped, note) -> None:
        links: list[dict] = []

        def link(title, url, what):
            url = text_of(url)
            try:
                _URL(url or "")
            except ValidationError:
                note(f"{what} '{title or url or '?'}': geen geldig webadres (http of https)")
                return
            if any(x["url"] == url for x in links):
                return
            links.append({"title": (plain_text(text_of(title)) or url)[:300], "url": url})

        for entry in _list(item, "links"):
            if isinstance(entry, dict):
                link(entry.get("label"), entry.get("url"), "link")
        for entry in _list(item, "downloads"):
            if isinstance(entry, dict):
                link(entry.get("label") or entry.get("filename"), entry.get("url"), "download")
        for entry in _list(item, "videos"):
            if not isinstance(entry, dict):
                continue
            provider, ident = (text_of(entry.get("provider")) or "").lower(), text_of(entry.get("video_identifier")) or ""
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
            email = text_of(email)
            if email:
                try:
                    _EMAIL(email)
                except ValidationError:
                    note(f"{what} '{name or email}': ongeldig e-mailadres '{email}' niet overgenomen")
                    email = None
            phone = plain_text(text_of(phone))
            if phone and len(phone) > 50:
                note(f"{what} '{name}': telefoonnummer langer dan 50 tekens niet overgenomen")
                phone = None
            name = plain_text(text_of(name)) or email or phone
            if not name:
                return
            entry = {k: v for k, v in (("name", name[:200]), ("phone", phone), ("email", email)) if v}
            if entry not in contacts:
                contacts.append(entry)

        for entry in _list(item, "contacts"):
            if not isinstance(entry, dict):
                continue
            label = text_of(entry.get("label")) or (text_of((entry.get("type") or {}).get("name"))
                                                 if isinstance(entry.get("type"), dict) else None)
            name = text_of(entry.get("name"))
            contact(f"{name} ({label})" if name and label else name or label, entry.get("phone"), entry.get("email"),
                    "contact")
        provider = item.get("provider")
        if isinstance(provider, dict) and text_of(provider.get("name")):
            details = provider.get("contact") if isinstance(provider.get("contact"), dict) else {}
            contact(f"{text_of(provider['name'])} (uitvoerder)", details.get("phone"), details.get("email"), "uitvoerder")
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
                                                          slug=text_of(item.get("slug")) or "")
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
            haystack = words_of(plain_text(text_of(item.get(field_name))) or "")
            for code, words in self.kind_keywords:
                word = next((w for w in words if has_words(haystack, w)), None)
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


def _add_codes(items: list, find, where: str, error, codes: list[str]) -> None:
    """Adds the code of every place `find` knows to `codes` (once, in order) and reports the others."""
    for n, item in enumerate(items):
        place, problem = find(item)
        if place is None:
            error(f"{where}[{n}]", problem)
        elif place.code not in codes:
            codes.append(place.code)
