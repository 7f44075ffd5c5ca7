"""The employer wizard (public): /werkgever → /werkgever?gemeente=GM0513 → /werkgever?gemeente=GM0513&doelgroep=...

One GET URL for all steps, so every step and the result can be bookmarked, shared and printed, and everything works
without JavaScript (each step is a plain form). The domain logic is in catalogue.wizard.
"""
from __future__ import annotations

from datetime import date

import re

from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select

from .. import get_db
from ..coverage import municipality_coverage
from ..i18n import current_language
from ..models import Municipality
from ..auth import send_mail
from ..config import ROOT
from ..summary import build_summary, mail_body
from .analytics import record_wizard
from .cards import init_card_cache
from ..wizard import CHOICE_PARAMETERS, WizardError, options, parse_choices, restrictions, result

bp = Blueprint("wizard", __name__)
bp.record_once(lambda state: init_card_cache(state.app))  # result cards drawn once, until an edit changes them

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PARAMETER_LABELS = {"doelgroep": "Doelgroep", "uitkering": "Uitkering of regeling", "leeftijd": "Leeftijd"}


@bp.app_template_global()
def wizard_url(**args) -> str:
    """The wizard's URL with these answers: the embedded wizard's (/embed/werkgever, keeping its region) inside an
    embedded page, else /werkgever."""
    embedded = g.get("embed")
    if embedded is not None:
        return url_for("embed.wizard", regio=embedded.region.slug, **args)
    return url_for("wizard.start", **args)


def _municipalities():
    """The current gemeenten' names for the place fields' suggestions (rows with .name; no objects are loaded)."""
    today = date.today()
    return get_db().execute(select(Municipality.name).where(
        or_(Municipality.valid_until.is_(None), Municipality.valid_until >= today)).order_by(Municipality.name)).all()


@bp.get("/werkgever")
def start():
    session = get_db()
    step = request.args.get("stap", "")
    try:
        choices = parse_choices(session, request.args.to_dict(flat=False))
    except WizardError as exc:
        message = _("Deze keuze kennen we niet (%(parameter)s: ‘%(value)s’). Kies een van de mogelijkheden hieronder.",
                    parameter=_(PARAMETER_LABELS[exc.parameter]), value=exc.value)
        choices = parse_choices(session, {"gemeente": request.args.getlist("gemeente")})
        if choices.municipality is None:
            return render_template("wizard_location.html", choices=choices, municipalities=_municipalities(),
                                   error=message), 400
        return render_template("wizard_person.html", choices=choices, options=options(session), error=message), 400

    if choices.municipality is not None and not choices.residence.problem and not choices.canonical:
        # typed names resolved to one gemeente each: continue on the shareable URL with their CBS codes
        args = choices.query_args()
        if step in ("1", "2"):
            args["stap"] = step
        return redirect(wizard_url(**args))

    if choices.municipality is None or step == "1":
        status = 404 if choices.municipality_input and not choices.candidates else 200
        return render_template("wizard_location.html", choices=choices, municipalities=_municipalities()), status

    if choices.residence.problem:
        # the candidate's residence did not resolve to one gemeente: ask again next to its field, keep every answer
        status = 404 if not choices.residence.candidates else 200
        return render_template("wizard_person.html", choices=choices, options=options(session),
                               municipalities=_municipalities()), status

    if not choices.answered or step == "2":
        return render_template("wizard_person.html", choices=choices, options=options(session),
                               municipalities=_municipalities())

    outcome = result(session, choices)
    record_wizard(choices, outcome)
    residence = choices.residence.municipality
    places = [choices.municipality] + ([residence] if residence is not None and residence.id != choices.municipality.id
                                       else [])
    coverage = municipality_coverage(session, places, offered=outcome.own_offer)  # the offers are loaded already
    return render_template("wizard_result.html", choices=choices, result=outcome, options=options(session),
                           region=choices.municipality.region, restrictions=restrictions,
                           municipalities=_municipalities(),
                           language=current_language(), taxonomies=CHOICE_PARAMETERS,
                           coverage=coverage[choices.municipality.code].to_dict(),
                           residence_coverage=(coverage[residence.code].to_dict() if residence is not None
                                               and residence.id != choices.municipality.id else None))


def _summary_or_error():
    """The summary for the current request, or a response (wizard steps) when the choices are not complete."""
    session = get_db()
    try:
        choices = parse_choices(session, request.args.to_dict(flat=False))
    except WizardError:
        return None, redirect(wizard_url(gemeente=request.args.get("gemeente", "")))
    if choices.municipality is None or choices.residence.problem or not choices.canonical:
        return None, redirect(wizard_url(**choices.query_args()))
    return build_summary(session, choices, request.args.to_dict(flat=False)), None


def _summary_args(summary) -> dict:
    args = dict(summary.choices.query_args(), i=",".join(m.facts.slug for m in summary.selected))
    args.update({k: v for k, v in summary.data.raw.items() if v})
    return args


@bp.get("/werkgever/overzicht")
def summary_page():
    summary, response = _summary_or_error()
    if response is not None:
        return response
    status = 400 if summary.data.errors else 200
    return render_template("wizard_summary.html", summary=summary, choices=summary.choices,
                           region=summary.choices.municipality.region, args=_summary_args(summary),
                           language=current_language(), sent=request.args.get("verstuurd") == "1"), status


@bp.get("/werkgever/overzicht.pdf")
def summary_pdf():
    from weasyprint import HTML

    summary, response = _summary_or_error()
    if response is not None:
        return response
    html = render_template("exports/wizard_summary_pdf.html", summary=summary, choices=summary.choices, pdf=True,
                           region=summary.choices.municipality.region, args=_summary_args(summary),
                           language=current_language())
    pdf = HTML(string=html, base_url=str(ROOT / "templates" / "exports")).write_pdf()
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="overzicht-werkgever.pdf"'})


@bp.post("/werkgever/overzicht")
def summary_mail():
    """Sends the summary's link and text through the mail outbox; the address is not stored anywhere else."""
    summary, response = _summary_or_error()
    if response is not None:
        return response
    address = (request.form.get("email") or "").strip()[:200]
    if not EMAIL.fullmatch(address):
        return render_template("wizard_summary.html", summary=summary, choices=summary.choices,
                               region=summary.choices.municipality.region, args=_summary_args(summary),
                               language=current_language(), sent=False, email=address,
                               email_error=_("Vul een geldig e-mailadres in, bijvoorbeeld naam@bedrijf.nl.")), 400
    url = url_for(".summary_page", _external=True, **_summary_args(summary))
    send_mail(get_db(), address, _("Uw overzicht uit de Open instrumentengids"), mail_body(summary, url))
    get_db().commit()
    return redirect(url_for(".summary_page", verstuurd=1, **_summary_args(summary)))
