"""The wizard's result card, its "waar vandaan" text and an instrument's badges, drawn in Python.

A result page has up to some 200 cards, and a card drawn by a Jinja macro cost about 0.4 ms (macro calls, attribute
lookups through the environment, one gettext per label): most of a first view's time. Here a card is a few string
joins. The HTML is what the macros drew; every text is escaped (markupsafe), except the how-to-apply rich text, which is
sanitised when it is saved (catalogue/sanitize.py) and shown as the instrument page shows it. Messages are translated
as templates translate them (i18n.markup_gettext: the message is markup, its values are escaped).
"""
from __future__ import annotations

from flask import g, url_for
from markupsafe import Markup, escape

from ..i18n import current_language, localized, markup_gettext, untranslated, untranslated_mark
from ..parameters import amount_text, applicant_text, decision_period_text, duration_text
from ..wizard import restrictions
from .public import term_name

LANG_NL = ' lang="nl"'


def _labels() -> dict[str, Markup]:
    """The cards' fixed words in the page's language, translated once per request."""
    language = current_language()
    cached = g.get("card_labels")
    if cached is not None and cached[0] == language:
        return cached[1]
    labels = {
        "from": markup_gettext("van"), "amount": markup_gettext("Bedrag"), "duration": markup_gettext("Duur"),
        "applicant": markup_gettext("Wie vraagt aan"), "decision": markup_gettext("Beslistermijn"),
        "origin": markup_gettext("Waar vandaan"), "for_whom": markup_gettext("Voor wie"),
        "everyone": markup_gettext("Iedereen"), "check": markup_gettext("Controleer of dit voor uw kandidaat geldt."),
        "select": markup_gettext("Selecteer voor het overzicht"), "how": markup_gettext("Hoe vraagt u het aan?"),
        "via_wsp": markup_gettext(
            "Vraag het aan via uw werkgeversservicepunt; de contactgegevens staan bovenaan deze pagina."),
        "declaration": markup_gettext("U hebt een doelgroepverklaring nodig."), "dutch": untranslated_mark(),
        "example_title": markup_gettext("Geen echte regeling: voorbeeldcontent"),
        "example": markup_gettext("Voorbeeld"), "temporary": markup_gettext("Tijdelijk"),
    }
    g.card_labels = (language, labels)
    return labels


def badges(item) -> Markup:
    """Ended / upcoming / example / temporary, as badges (every page that shows an instrument)."""
    labels, lifecycle, parts = _labels(), item.lifecycle(), []
    if lifecycle == "ended":
        parts.append(Markup('<span class="badge badge-ended">{}</span>').format(
            markup_gettext("Beëindigd per %(date)s", date=str(item.valid_until))))
    if lifecycle == "upcoming":
        parts.append(Markup('<span class="badge badge-upcoming">{}</span>').format(
            markup_gettext("Start op %(date)s", date=str(item.valid_from))))
    if item.example:
        parts.append(Markup('<span class="badge badge-example" title="{}">{}</span>').format(
            labels["example_title"], labels["example"]))
    if item.temporary and lifecycle != "ended":
        parts.append(Markup('<span class="badge">{}</span>').format(labels["temporary"]))
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


def _param(label: Markup, value) -> str:
    return f"<div><dt>{label}</dt><dd>{escape(value)}</dd></div>" if value else ""


def result_card(match, choices) -> Markup:
    """One instrument of the wizard's result: what it is, from whom, for whom, why it is here, how to apply."""
    item, labels, language = match.instrument, _labels(), current_language()
    name, slug = escape(localized(item, "name") or ""), escape(item.slug)
    summary_nl = untranslated(item, "summary")
    limits = restrictions(item)
    for_whom = Markup("; ").join(Markup(", ").join(escape(localized(t, "name")) for t in terms)
                                 for terms in limits.values()) if limits else labels["everyone"]
    if match.fit == "controleer":
        for_whom = Markup("{}<br><strong>{}</strong>").format(for_whom, labels["check"])
    weeks = item.decision_period_weeks
    how = localized(item, "how_to_apply")
    if how:
        how_nl = untranslated(item, "how_to_apply")
        how_html = (f'<div class="rich-text"{LANG_NL if how_nl else ""}>{Markup(how)}</div>'
                    + (f"<p>{labels['dutch']}</p>" if how_nl else ""))
    else:
        how_html = f"<p>{labels['via_wsp']}</p>"
    declaration = f"\n    <p>{labels['declaration']}</p>" if item.requires_doelgroepverklaring else ""
    return Markup(
        f'<article class="card wizard-card">\n'
        f'  <h3 class="card-title"><a href="{escape(url_for("public.instrument", slug=item.slug))}">{name}</a></h3>\n'
        f'  <p class="card-meta">\n'
        f'    <span>{escape(localized(item.kind, "name"))}</span> ·\n'
        f'    <span>{labels["from"]} {escape(item.provider.name)}</span> ·\n'
        f'    <span>{escape(term_name("reach", item.reach))}</span>\n'
        f'  </p>\n'
        f'  <p class="card-badges">{badges(item)}</p>\n'
        f'  <p{LANG_NL if summary_nl else ""}>{escape(localized(item, "summary") or "")}'
        f'{" " + labels["dutch"] if summary_nl else ""}</p>\n'
        f'  <dl class="key-params">\n    '
        + _param(labels["amount"], amount_text(item, language))
        + _param(labels["duration"], duration_text(item.duration_max, item.duration_unit, language))
        + _param(labels["applicant"], applicant_text(item.applicant, language) if item.applicant else "")
        + _param(labels["decision"], decision_period_text(weeks, language) if weeks is not None else "")
        + f'<div><dt>{labels["origin"]}</dt><dd class="origin">{origin_text(match.origin, choices)}</dd></div>\n'
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
