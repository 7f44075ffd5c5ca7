"""The column model shared by CSV, XLSX, the JSON parameters and the spreadsheet import (`catalogue.imports`), so an export
can be imported again without losing anything. Every structured parameter has its own column; lists of codes are
separated by ';'."""
from __future__ import annotations

from dataclasses import dataclass

TERM_COLUMNS = {"target_groups": "target_group", "schemes": "scheme", "age_groups": "age_group", "sectors": "sector",
                "employment_types": "employment_type", "journey_phases": "journey_phase"}
TRANSLATED = ("name", "summary", "description", "conditions", "how_to_apply")
LIST_SEPARATOR = "; "
FIELD_SEPARATOR = " | "
# A text cell starting with one of these would be a formula in a spreadsheet program; exports prefix it with "'",
# imports remove that prefix again.
FORMULA_START = ("=", "+", "-", "@")


# The example column's header is its own legend (CSV has no other place for one).
EXAMPLE_LABEL = "Voorbeeld (ja = voorbeeldinhoud: geen echte regeling)"


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # Dutch header, as exported
    type: str  # text | rich | int | decimal | date | bool | codes | enum | kind | provider | regions | municipalities
    #            | contacts | links | dated | translation
    width: int = 14
    group: str = "public"  # public | publication | notes
    help: str = ""
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    required: bool = False  # required when creating a new instrument


def _c(key, label, type_, width=14, help="", aliases=(), group="public", choices=(), required=False) -> Column:
    return Column(key, label, type_, width, group, help, tuple(aliases), tuple(choices), required)


COLUMNS: tuple[Column, ...] = (
    _c("slug", "Slug", "text", 28, "Unieke sleutel (kleine letters, cijfers, streepjes). Leeg bij een nieuw instrument: "
       "wordt gemaakt uit aanbieder en naam.", ["sleutel", "id"]),
    _c("external_id", "Extern ID", "text", 12, "Uw eigen nummer of code voor dit instrument; daarop wordt eerst "
       "gezocht bij het importeren.", ["extern id", "externe id", "external id", "nummer", "code", "uw id"]),
    _c("name", "Naam", "text", 36, "Naam van het instrument.", ["naam instrument", "instrument", "titel",
                                                                  "naam van het instrument"], required=True),
    _c("kind", "Soort", "kind", 22, "Soort instrument: code of naam uit de lijst van soorten.",
       ["soort instrument", "type instrument", "type", "categorie"], required=True),
    _c("provider", "Aanbieder", "provider", 28, "Gemeentenaam of GM-code (gemeente), 'regio' of AM-code "
       "(werkgeversservicepunt), of een landelijke aanbieder (UWV, Belastingdienst, ...).",
       ["gemeente", "organisatie", "verstrekker", "aanbieder instrument", "uitvoerder"], required=True),
    _c("reach", "Bereik", "enum", 11, "landelijk, regionaal of lokaal (leeg bij nieuw: lokaal voor een gemeente, "
       "regionaal voor de regio, landelijk voor een landelijke aanbieder).", ["reikwijdte", "werkingsgebied"],
       choices=("landelijk", "regionaal", "lokaal")),
    _c("regions", "Regio's", "regions", 12, "Bij bereik regionaal: AM-codes (leeg = de regio van de aanbieder).",
       ["regios", "arbeidsmarktregio's", "arbeidsmarktregios", "arbeidsmarktregio"]),
    _c("municipalities", "Gemeenten", "municipalities", 24, "Bij bereik lokaal: gemeentenamen of GM-codes, "
       "gescheiden door ';' (leeg = de gemeente van de aanbieder).", ["geldt in gemeenten", "gemeenten (bereik)"]),
    _c("summary", "Samenvatting", "text", 50, "Eén of twee zinnen in gewone taal voor een werkgever (10 tot 1000 "
       "tekens).", ["korte omschrijving", "omschrijving kort", "samenvatting voor werkgevers"], required=True),
    _c("description", "Beschrijving", "rich", 50, "Langere beschrijving; eenvoudige HTML mag.",
       ["omschrijving", "toelichting"]),
    _c("conditions", "Voorwaarden", "rich", 40, "Voorwaarden, als tekst of eenvoudige HTML.", ["criteria"]),
    _c("how_to_apply", "Aanvragen", "rich", 40, "Hoe en waar vraagt de werkgever het aan?",
       ["hoe aanvragen", "aanvraag", "aanvraagprocedure"]),
    _c("duration_max", "Maximale duur", "int", 9, "Getal; met 'Eenheid duur'.", ["duur", "max duur"]),
    _c("duration_unit", "Eenheid duur", "enum", 9, "dag, week, maand of jaar.", ["duur eenheid"],
       choices=("dag", "week", "maand", "jaar")),
    _c("amount_type", "Soort bedrag", "enum", 15, "geen, vast, per_uur, per_maand, percentage_wml, loonwaarde, "
       "tarief_per_uur of werkelijke_kosten.", ["type bedrag", "bedragsoort"],
       choices=("geen", "vast", "per_uur", "per_maand", "percentage_wml", "loonwaarde", "tarief_per_uur",
                "werkelijke_kosten")),
    _c("amount_value", "Bedrag of percentage", "decimal", 11, "Euro, of procent bij percentage_wml en loonwaarde.",
       ["bedrag", "hoogte", "percentage"]),
    _c("amount_max_per_year", "Maximum per jaar", "decimal", 11, "Euro.", ["max per jaar"]),
    _c("amount_max_total", "Maximum totaal", "decimal", 11, "Euro.", ["max totaal", "maximaal bedrag"]),
    _c("amount_note", "Toelichting bedrag", "text", 28, "Korte tekst bij het bedrag.", ["bedrag toelichting"]),
    _c("parameter_values", "Gedateerde bedragen", "dated", 30, "Eén waarde per regel: amount_value, amount_max_per_year "
       "of amount_max_total | waarde | geldig vanaf | geldig tot en met (JJJJ-MM-DD, leeg = open) | toelichting | bron. "
       "Leeg laat de gedateerde bedragen zoals ze zijn.", ["gedateerde waarden", "bedragen per jaar"]),
    _c("applicant", "Aanvrager", "enum", 11, "werkgever, werknemer of wsp.", ["wie vraagt aan"],
       choices=("werkgever", "werknemer", "wsp")),
    _c("decision_period_weeks", "Beslistermijn (weken)", "int", 10, "Geheel aantal weken.",
       ["beslistermijn", "beslistermijn weken"]),
    _c("payment_moments", "Betaalmomenten", "text", 22, "Bijvoorbeeld 'maandelijks achteraf'.",
       ["uitbetaling", "betaalmoment"]),
    _c("requires_doelgroepverklaring", "Doelgroepverklaring nodig", "bool", 10, "ja of nee.",
       ["doelgroepverklaring"]),
    _c("requires_doelgroepregister", "Doelgroepregister nodig", "bool", 10, "ja of nee.",
       ["doelgroepregister", "banenafspraak"]),
    _c("legal_basis", "Wettelijke grondslag", "text", 24, "Wet en artikel.", ["grondslag", "wettelijke basis"]),
    _c("funding_source", "Financiering", "text", 20, "Bijvoorbeeld 'Gemeentefonds'.", ["financieringsbron"]),
    _c("temporary", "Tijdelijk", "bool", 9, "ja bij een tijdelijke regeling.", ["tijdelijke regeling"]),
    _c("leerwerktraject", "Leerwerktraject", "bool", 9, "ja of nee.", ["leren en werken"]),
    _c("valid_from", "Geldig vanaf", "date", 11, "Datum waarop de regeling begon (JJJJ-MM-DD).",
       ["ingangsdatum", "startdatum"]),
    _c("valid_until", "Geldig tot en met", "date", 11, "Datum waarop de regeling eindigt (JJJJ-MM-DD).",
       ["geldig tot", "einddatum"]),
    _c("target_groups", "Doelgroepen", "codes", 24, "Codes of namen, gescheiden door ';' (leeg = geen bepaalde "
       "doelgroep).", ["doelgroep"]),
    _c("schemes", "Uitkeringen en regelingen", "codes", 18, "Codes of namen, gescheiden door ';' (leeg = alle).",
       ["uitkeringen", "uitkering", "regelingen"]),
    _c("age_groups", "Leeftijdsgroepen", "codes", 14, "Codes of namen, gescheiden door ';' (leeg = alle leeftijden).",
       ["leeftijd", "leeftijdsgroep"]),
    _c("sectors", "Sectoren", "codes", 10, "SBI-letters A-U, gescheiden door ';' (leeg = alle).", ["sector"]),
    _c("employment_types", "Dienstverbanden", "codes", 14, "regulier, bbl, stage, werkervaring; gescheiden door ';'.",
       ["dienstverband", "soort dienstverband"]),
    _c("journey_phases", "Fasen werkgeversdienstverlening", "codes", 16, "Fasen (de tegels DW01-DW10 uit Dennis): "
       "codes, namen of DW-codes, gescheiden door ';'.", ["fasen", "fase", "tegels", "werkprocesfase"]),
    _c("contacts", "Contacten", "contacts", 30, "Eén contact per regel: naam | telefoon | e-mail | website.",
       ["contact", "contactpersonen"]),
    _c("links", "Links", "links", 30, "Eén link per regel: titel | webadres.", ["meer informatie"]),
    _c("source_url", "Bron", "text", 30, "Webadres waar de informatie vandaan komt.", ["bron url", "bronvermelding"]),
    _c("last_checked", "Laatst gecontroleerd", "date", 11, "JJJJ-MM-DD.", ["gecontroleerd op", "laatste controle"]),
    _c("regulation_title", "Regeling", "text", 28, "Titel van de verordening of beleidsregel.",
       ["verordening", "titel regeling"]),
    _c("regulation_url", "Regeling (webadres)", "text", 30, "Webadres op lokaleregelgeving.overheid.nl.",
       ["verordening url", "regeling url"]),
    _c("example", EXAMPLE_LABEL, "bool", 14, "ja als de inhoud niet uit een echte regeling komt: voorbeeldinhoud, "
       "niet als feit gebruiken.", ["voorbeeld", "voorbeeldcontent"]),
    _c("name_en", "Naam (Engels)", "translation", 24, "Optioneel.", ["name (english)", "english name"]),
    _c("summary_en", "Samenvatting (Engels)", "translation", 30, "Optioneel.", ["summary (english)"]),
    _c("description_en", "Beschrijving (Engels)", "translation", 30, "Optioneel.", ["description (english)"]),
    _c("conditions_en", "Voorwaarden (Engels)", "translation", 30, "Optioneel.", ["conditions (english)"]),
    _c("how_to_apply_en", "Aanvragen (Engels)", "translation", 30, "Optioneel.", ["how to apply (english)"]),
    _c("version", "Versie", "int", 8, "Versie van het instrument toen het werd geëxporteerd; laat staan. Bij het "
       "importeren is elke wijziging aan een veld dat sindsdien door iemand anders is gewijzigd een conflict, waarin u "
       "kiest wat blijft. Leeg bij een nieuw instrument.", ["version", "versienummer"]),
    _c("status", "Status", "enum", 10, "published (gepubliceerd) of draft (concept); leeg bij nieuw = concept.",
       ["publicatiestatus"], group="publication", choices=("published", "draft")),
    _c("publish_from", "Publiceren vanaf", "date", 11, "JJJJ-MM-DD.", ["zichtbaar vanaf"], group="publication"),
    _c("publish_to", "Publiceren tot en met", "date", 11, "JJJJ-MM-DD.", ["zichtbaar tot"], group="publication"),
    _c("internal_notes", "Interne notities", "text", 30, "Alleen voor accountmanagers; nooit openbaar.",
       ["interne notitie", "notities"], group="notes"),
)
COLUMNS_BY_KEY = {c.key: c for c in COLUMNS}
STRUCTURED_PARAMETERS = ("duration_max", "duration_unit", "amount_type", "amount_value", "amount_max_per_year",
                         "amount_max_total", "amount_note", "applicant", "decision_period_weeks", "payment_moments",
                         "requires_doelgroepverklaring", "requires_doelgroepregister", "legal_basis", "funding_source",
                         "temporary", "leerwerktraject", "valid_from", "valid_until")


def columns(internal: bool = False) -> list[Column]:
    """The exported columns: public ones, plus publication fields and internal notes when internal."""
    return [c for c in COLUMNS if c.group == "public" or internal]


CONTACT_KEYS = ("name", "phone", "email", "website")
LINK_KEYS = ("title", "url")
DATED_KEYS = ("parameter", "value", "valid_from", "valid_until", "note", "source_url")
