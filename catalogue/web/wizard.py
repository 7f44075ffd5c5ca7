"""The employer wizard (public): /werkgever → /werkgever?gemeente=GM0513 → /werkgever?gemeente=GM0513&doelgroep=...

One GET URL for all steps, so every step and the result can be bookmarked, shared and printed, and everything works
without JavaScript (each step is a plain form). The domain logic is in catalogue.wizard.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select

from .. import get_db
from ..coverage import coverage_of
from ..i18n import current_language
from ..models import Municipality
from .analytics import record_wizard
from ..wizard import CHOICE_PARAMETERS, WizardError, options, parse_choices, restrictions, result

bp = Blueprint("wizard", __name__)

PARAMETER_LABELS = {"doelgroep": "Doelgroep", "uitkering": "Uitkering of regeling", "leeftijd": "Leeftijd"}


def _municipalities():
    today = date.today()
    return get_db().scalars(select(Municipality).where(
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

    if choices.municipality is not None and not choices.canonical:
        # a typed name resolved to one gemeente: continue on the shareable URL with its CBS code
        args = choices.query_args()
        if step in ("1", "2"):
            args["stap"] = step
        return redirect(url_for(".start", **args))

    if choices.municipality is None or step == "1":
        status = 404 if choices.municipality_input and not choices.candidates else 200
        return render_template("wizard_location.html", choices=choices, municipalities=_municipalities()), status

    if not choices.answered or step == "2":
        return render_template("wizard_person.html", choices=choices, options=options(session))

    outcome = result(session, choices)
    record_wizard(choices, outcome)
    return render_template("wizard_result.html", choices=choices, result=outcome, options=options(session),
                           region=choices.municipality.region, restrictions=restrictions,
                           language=current_language(), taxonomies=CHOICE_PARAMETERS,
                           coverage=coverage_of(session, choices.municipality).to_dict())
