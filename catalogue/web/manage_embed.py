"""/beheer/regios/<slug>/insluiten: a region's coordinator sets the colour, logo and allowed websites of the embedded
pages and copies the snippet (routes on the manage blueprint; the work happens in catalogue.embed.settings)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import get_db
from ..auth import can
from ..embed import settings
from ..embed.branding import MAX_LOGO_BYTES
from ..models import Region
from .manage import _user, bp

LABELS = {"embed_colour": "Kleur", "embed_origins": "Websites die de pagina's mogen tonen", "embed_logo": "Logo"}


def _region(slug: str) -> Region:
    item = get_db().scalar(select(Region).where(Region.slug == slug))
    if item is None:
        abort(404)
    if not can(_user(), "edit_region", item):
        abort(403)
    return item


def _page(item: Region, values: dict, errors: dict, status: int = 200):
    return render_template("manage/embed.html", region=item, values=values, errors=errors,
                           labels={k: _(v) for k, v in LABELS.items()}), status


@bp.get("/regios/<slug>/insluiten")
def embed_settings(slug: str):
    item = _region(slug)
    return _page(item, {"embed_colour": item.embed_colour or "", "embed_origins": "\n".join(item.embed_origins or [])},
                 {})


@bp.post("/regios/<slug>/insluiten")
def save_embed_settings(slug: str):
    item = _region(slug)
    upload = request.files.get("embed_logo")
    logo = upload.stream.read(MAX_LOGO_BYTES + 1) if upload is not None and upload.filename else None
    data = settings.EmbedInput(colour=request.form.get("embed_colour", ""), origins=request.form.get("embed_origins", ""),
                               logo=logo, remove_logo=request.form.get("remove_logo") == "1")
    try:
        settings.update(get_db(), _user(), item, data)
    except settings.EmbedInputError as exc:
        get_db().rollback()
        errors = {field: [_(e.message, **e.values) for e in problems] for field, problems in exc.errors.items()}
        if logo is not None and "embed_logo" not in errors:
            errors["embed_logo"] = [_("Het logo is niet opgeslagen omdat een ander veld een fout bevat; kies het "
                                      "bestand opnieuw.")]
        values = {"embed_colour": data.colour, "embed_origins": data.origins}
        return _page(get_db().scalar(select(Region).where(Region.slug == slug)), values, errors, 400)
    get_db().commit()
    flash(_("De instellingen voor insluiten zijn opgeslagen."), "success")
    return redirect(url_for(".embed_settings", slug=slug))
