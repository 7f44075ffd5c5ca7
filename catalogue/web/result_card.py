"""The wizard's result card, its "waar vandaan" text and an instrument's badges, drawn in Python.

A result page has up to some 200 cards, and a card drawn by a Jinja macro cost about 0.4 ms (macro calls, attribute
lookups through the environment, one gettext per label): most of a first view's time. Here a card is a few string
joins. The HTML is what the macros drew; every text is escaped (as markupsafe escapes), except the how-to-apply rich text, which is
sanitised when it is saved (catalogue/sanitize.py) and shown as the instrument page shows it. Messages are translated
as templates translate them (i18n.markup_gettext: the message is markup, its values are escaped).
"""
from __future__ import annotations

from urllib.parse import quote

from flask import g, url_for
from markupsafe import Markup

from ..i18n import current_language, localized, markup_gettext, untranslated, untranslated_mark
from ..parameters import amount_text, applicant_text, decision_period_text, duration_text
from ..wizard import restrictions
from .public import term_name

LANG_NL = ' lang="nl"'


class _Page:
    """What the cards of one request share: the language, the fixed words, the instrument URLs' prefix, and the texts
    drawn once for many cards (kind, reach and term names, origin texts, badges)."""

    __slots__ = ("language", "labels", "instrument_url", "texts")

    def __init__(self, language: str):
        self.language = language
        self.labels = {
            "from": markup_gettext("van"), "amount": markup_gettext("Bedrag"), "duration": markup_gettext("Duur"),
            "applicant": markup_gettext("Wie vraagt aan"), "decision": markup_gettext("Beslistermijn"),
            "origin": markup_gettext("Waar vandaan"), "for_whom": markup_gettext("Voor wie"),
            "everyone": markup_gettext("Iedereen"),
            "check": markup_gettext("Controleer of dit voor uw kandidaat geldt."),
            "select": markup_gettext("Selecteer voor het overzicht"), "how": markup_gettext("Hoe vraagt u het aan?"),
            "via_wsp": markup_gettext(
                "Vraag het aan via uw werkgeversservicepunt; de contactgegevens staan bovenaan deze pagina."),
            "declaration": markup_gettext("U hebt een doelgroepverklaring nodig."), "dutch": untranslated_mark(),
            "example": Markup('<span class="badge badge-example" title="{}">{}</span>').format(
                markup_gettext("Geen echte regeling: voorbeeldcontent"), markup_gettext("Voorbeeld")),
            "temporary": Markup('<span class="badge">{}</span>').format(markup_gettext("Tijdelijk")),
        }
        # the instrument page's URL without its slug (the slug is quoted into it, as url_for would)
        self.instrument_url = url_for("public.instrument", slug="x")[:-1]
        self.texts: dict[tuple, str] = {}

    def text(self, key: tuple, draw) -> str:
        found = self.texts.get(key)
        if found is None:
            found = self.texts[key] = draw()
        return found

    def localized(self, obj, field: str) -> str:
        """localized() of a kind or term, escaped, once per object and field."""
        return self.text((type(obj).__name__, obj.id, field), lambda: _e(localized(obj, field, self.language) or ""))


def _page() -> _Page:
    language = current_language()
    page = g.get("result_cards")
    if page is None or page.language != language:
        page = g.result_cards = _Page(language)
    return page


def _e(value) -> str:
    """Escaped text, as markupsafe.escape gives it (also for Markup, which is kept as it is)."""
    if isinstance(value, Markup):
        return str(value)
    return (str(value).replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;").replace("'", "&#39;")
            .replace('"', "&#34;"))


def badges(item) -> Markup:
    """Ended / upcoming / example / temporary, as badges (every page that shows an instrument)."""
    page, lifecycle, parts = _page(), item.lifecycle(), []
    if lifecycle == "ended":
        parts.append(Markup('<span class="badge badge-ended">{}</span>').format(
            markup_gettext("Beëindigd per %(date)s", date=str(item.valid_until))))
    if lifecycle == "upcoming":
        parts.append(Markup('<span class="badge badge-upcoming">{}</span>').format(
            markup_gettext("Start op %(date)s", date=str(item.valid_from))))
    if item.example:
        parts.append(page.labels["example"])
    if item.temporary and lifecycle != "ended":
        parts.append(page.labels["temporary"])
    return Markup(" ").join(parts)


def origin_text(origin, choices) -> Markup:
    """Why this instrument is in the result: whose offer it is and which location decides (catalogue/residence.py)."""
    if origin.decider == "national":
        return markup_gettext("Landelijke regeling: geldt overal, waar de kandidaat ook woont.")
    if origin.decider == "candidate" and origin.unconfirmed:
        return markup_gettext(
            "Van %(place)s. Geldt als de kandidaat in %(name)s woont: bij de gemeentelijke regelingen beslist de "
            "gemeente waar de kandidaat woont (woonplaatsbeginsel, Participatiewet art. 40). Woont de kandidaat "
            "elders, dan biedt die gemeente haar eigen regelingen.", place=origin.place, name=choices.municipality.name)
    if origin.decider == "candidate":
        return markup_gettext(
            "Van %(place)s, omdat de kandidaat daar woont: bij de gemeentelijke regelingen beslist de woongemeente "
            "(woonplaatsbeginsel, Participatiewet art. 40).", place=origin.place)
    return markup_gettext(
        "Van %(place)s, omdat uw bedrijf daar gevestigd is: de werkgeversdienstverlening hoort bij de regio van de "
        "werkgever.", place=origin.place)


def _param(label: Markup, value: str) -> str:
    return f"<div><dt>{label}</dt><dd>{_e(value)}</dd></div>" if value else ""


def result_card(match, choices) -> Markup:
    """One instrument of the wizard's result: what it is, from whom, for whom, why it is here, how to apply."""
    item, page = match.card, _page()
    labels, language = page.labels, page.language
    name, slug = _e(localized(item, "name", language) or ""), _e(item.slug)
    summary, summary_nl = localized(item, "summary", language), untranslated(item, "summary", language)
    limits = restrictions(item)
    for_whom = "; ".join(", ".join(page.localized(t, "name") for t in terms)
                         for terms in limits.values()) if limits else labels["everyone"]
    if match.fit == "controleer":
        for_whom = f"{for_whom}<br><strong>{labels['check']}</strong>"
    origin = match.origin
    origin_html = page.text(("origin", origin.decider, origin.place, origin.unconfirmed, choices.municipality.name),
                            lambda: str(origin_text(origin, choices)))
    weeks = item.decision_period_weeks
    how, how_nl = localized(item, "how_to_apply", language), untranslated(item, "how_to_apply", language)
    if how:
        how_html = (f'<div class="rich-text"{LANG_NL if how_nl else ""}>{how}</div>'
                    + (f"<p>{labels['dutch']}</p>" if how_nl else ""))
    else:
        how_html = f"<p>{labels['via_wsp']}</p>"
    declaration = f"\n    <p>{labels['declaration']}</p>" if item.requires_doelgroepverklaring else ""
    badge_html = badges(item)
    return Markup(
        f'<article class="card wizard-card">\n'
        f'  <h3 class="card-title"><a href="{page.instrument_url}{quote(item.slug)}">{name}</a></h3>\n'
        f'  <p class="card-meta">\n'
        f'    <span>{page.localized(item.kind, "name")}</span> ·\n'
        f'    <span>{labels["from"]} {_e(item.provider.name)}</span> ·\n'
        f'    <span>{page.text(("reach", item.reach), lambda: _e(term_name("reach", item.reach)))}</span>\n'
        f'  </p>\n'
        f'  <p class="card-badges">{badge_html}</p>\n'
        f'  <p{LANG_NL if summary_nl else ""}>{_e(summary or "")}{" " + labels["dutch"] if summary_nl else ""}</p>\n'
        f'  <dl class="key-params">\n    '
        + _param(labels["amount"], amount_text(item, language))
        + _param(labels["duration"], duration_text(item.duration_max, item.duration_unit, language))
        + _param(labels["applicant"], applicant_text(item.applicant, language) if item.applicant else "")
        + _param(labels["decision"], decision_period_text(weeks, language) if weeks is not None else "")
        + f'<div><dt>{labels["origin"]}</dt><dd class="origin">{origin_html}</dd></div>\n'
        f'    <div><dt>{labels["for_whom"]}</dt><dd>{for_whom}</dd></div>\n'
        f'  </dl>\n'
        f'  <p class="select-check no-print"><input type="checkbox" form="selection" name="i" value="{slug}" '
        f'id="sel-{slug}">\n'
        f'    <label for="sel-{slug}">{labels["select"]}<span class="visually-hidden"> ({name})</span></label></p>\n'
        f'  <details class="how-to-apply">\n'
        f'    <summary>{labels["how"]}<span class="visually-hidden"> ({name})</span></summary>\n'
        f'    {how_html}{declaration}\n'
        f'  </details>\n'
        f'</article>')
