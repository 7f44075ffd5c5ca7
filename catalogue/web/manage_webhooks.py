"""/beheer/webhooks: admins register consumers of the change feed, see the delivery log, replay, pause and resume
(routes on the manage blueprint; the work happens in catalogue.webhooks). Nothing here sends anything: the worker
(`catalogue webhooks work`) delivers."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import get_db
from ..models import InstrumentKind, Organisation, Provider, Region, WebhookConsumer, WebhookDelivery
from ..webhooks import consumers as service
from ..webhooks.outbox import replay
from .manage import _user, bp

LOG_SIZE = 50


def _messages() -> dict:
    return {
        "required": _("Vul dit veld in."),
        "too_long": _("Hoogstens %(max)s tekens."),
        "secret_short": _("Het geheim moet minstens %(min)s tekens lang zijn."),
        "unknown": _("Onbekende code: %(codes)s."),
        "url_empty": _("Vul een adres in."),
        "url_invalid": _("Dit is geen geldig adres."),
        "url_scheme": _("Het adres moet met https:// beginnen (http alleen voor localhost tijdens ontwikkeling)."),
        "url_credentials": _("Een adres met gebruikersnaam of wachtwoord erin is niet toegestaan."),
        "url_local": _("Adressen op deze server zelf (localhost) zijn niet toegestaan."),
        "url_unresolved": _("De naam %(host)s bestaat niet (of is nu niet op te zoeken)."),
        "url_private": _("%(host)s verwijst naar een intern adres (%(address)s); alleen openbare adressen zijn "
                         "toegestaan."),
        "organisation": _("Kies een organisatie waarvoor u webhooks mag beheren."),
    }


def _labels() -> dict:
    return {"organisation": _("Organisatie"), "name": _("Naam"), "url": _("Adres (URL) van de ontvanger"),
            "secret": _("Geheim"), "regions": _("Arbeidsmarktregio's"), "providers": _("Aanbieders"),
            "kinds": _("Soorten")}


def _allow_local() -> bool:
    return bool(current_app.config.get("WEBHOOKS_ALLOW_LOCALHOST"))


def _consumer(consumer_id: int) -> WebhookConsumer:
    consumer = get_db().get(WebhookConsumer, consumer_id)
    if consumer is None:
        abort(404)
    if not service.may_manage(_user(), consumer):
        abort(403)
    return consumer


def _input() -> service.ConsumerInput:
    form = request.form
    return service.ConsumerInput(name=form.get("name", ""), url=form.get("url", ""), secret=form.get("secret", ""),
                                 regions=form.getlist("regions"), providers=form.getlist("providers"),
                                 kinds=form.getlist("kinds"))


def _choices() -> dict:
    db = get_db()
    return {"regions": db.scalars(select(Region).order_by(Region.name)).all(),
            "providers": db.scalars(select(Provider).order_by(Provider.name)).all(),
            "kinds": db.scalars(select(InstrumentKind).order_by(InstrumentKind.sort_order)).all()}


def _errors(exc: service.ConsumerInvalid) -> dict[str, list[str]]:
    messages = _messages()
    return {field: [messages[code] % params if params else messages[code]]
            for field, (code, params) in exc.errors.items()}


@bp.get("/webhooks")
def webhooks():
    db = get_db()
    organisations = service.manageable_organisations(db, _user())
    if not organisations:
        abort(403)
    ids = [o.id for o in organisations]
    items = db.scalars(select(WebhookConsumer).where(WebhookConsumer.organisation_id.in_(ids))
                       .order_by(WebhookConsumer.name)).all()
    waiting = dict(db.execute(select(WebhookDelivery.consumer_id, func.count()).where(
        WebhookDelivery.status != "delivered", WebhookDelivery.consumer_id.in_([c.id for c in items]))
        .group_by(WebhookDelivery.consumer_id)).all()) if items else {}
    return render_template("manage/webhooks.html", consumers=items, waiting=waiting)


def _form_page(template: str, status: int = 200, **context):
    organisations = service.manageable_organisations(get_db(), _user())
    return render_template(template, organisations=organisations, labels=_labels(), **_choices(), **context), status


@bp.route("/webhooks/nieuw", methods=["GET", "POST"])
def new_webhook():
    db = get_db()
    organisations = service.manageable_organisations(db, _user())
    if not organisations:
        abort(403)
    if request.method == "GET":
        return _form_page("manage/webhook_new.html", values={"secret": service.generate_secret()}, errors={})
    values = request.form.to_dict()
    values.update(regions=request.form.getlist("regions"), providers=request.form.getlist("providers"),
                  kinds=request.form.getlist("kinds"))
    chosen = values.get("organisation", "")
    organisation = db.get(Organisation, int(chosen)) if chosen.isdigit() else None
    if organisation is None or not service.may_manage(_user(), organisation):
        return _form_page("manage/webhook_new.html", 400, values=values,
                          errors={"organisation": [_messages()["organisation"]]})
    try:
        consumer = service.register(db, organisation, _input(), _user(), _allow_local())
    except service.ConsumerInvalid as exc:
        db.rollback()
        return _form_page("manage/webhook_new.html", 400, values=values, errors=_errors(exc))
    db.commit()
    flash(_("De afnemer %(name)s is geregistreerd; hij krijgt vanaf nu elke openbare wijziging die bij zijn filter "
            "past.", name=consumer.name), "success")
    return redirect(url_for(".webhook", consumer_id=consumer.id))


def _detail(consumer: WebhookConsumer, status: int = 200, values=None, errors=None):
    db = get_db()
    deliveries = db.scalars(select(WebhookDelivery).where(WebhookDelivery.consumer_id == consumer.id)
                            .order_by(WebhookDelivery.id.desc()).limit(LOG_SIZE)).all()
    counts = dict(db.execute(select(WebhookDelivery.status, func.count()).where(
        WebhookDelivery.consumer_id == consumer.id).group_by(WebhookDelivery.status)).all())
    values = values or {"name": consumer.name, "url": consumer.url, "regions": consumer.regions,
                        "providers": consumer.providers, "kinds": consumer.kinds}
    return _form_page("manage/webhook.html", status, consumer=consumer, deliveries=deliveries, counts=counts,
                      values=values, errors=errors or {})


@bp.get("/webhooks/<int:consumer_id>")
def webhook(consumer_id: int):
    return _detail(_consumer(consumer_id))


@bp.post("/webhooks/<int:consumer_id>")
def update_webhook(consumer_id: int):
    db = get_db()
    consumer = _consumer(consumer_id)
    values = request.form.to_dict()
    values.update(regions=request.form.getlist("regions"), providers=request.form.getlist("providers"),
                  kinds=request.form.getlist("kinds"))
    values.pop("secret", None)
    try:
        service.update(db, consumer, _input(), _allow_local())
    except service.ConsumerInvalid as exc:
        db.rollback()
        return _detail(db.get(WebhookConsumer, consumer_id), 400, values=values, errors=_errors(exc))
    db.commit()
    flash(_("De afnemer is bijgewerkt."), "success")
    return redirect(url_for(".webhook", consumer_id=consumer.id))


@bp.post("/webhooks/<int:consumer_id>/hervatten")
def resume_webhook(consumer_id: int):
    consumer = _consumer(consumer_id)
    service.resume(consumer)
    get_db().commit()
    flash(_("De afnemer staat weer aan; wat er intussen is blijven liggen, wordt nu bezorgd."), "success")
    return redirect(url_for(".webhook", consumer_id=consumer_id))


@bp.post("/webhooks/<int:consumer_id>/pauzeren")
def pause_webhook(consumer_id: int):
    consumer = _consumer(consumer_id)
    service.pause(consumer)
    get_db().commit()
    flash(_("De afnemer is gepauzeerd; wijzigingen worden bewaard tot u hem weer aanzet."), "success")
    return redirect(url_for(".webhook", consumer_id=consumer_id))


@bp.post("/webhooks/<int:consumer_id>/verwijderen")
def delete_webhook(consumer_id: int):
    db = get_db()
    consumer = _consumer(consumer_id)
    name = consumer.name
    db.delete(consumer)
    db.commit()
    flash(_("De afnemer %(name)s is verwijderd.", name=name), "success")
    return redirect(url_for(".webhooks"))


@bp.post("/webhooks/<int:consumer_id>/bezorgingen/<int:delivery_id>/opnieuw")
def replay_delivery(consumer_id: int, delivery_id: int):
    db = get_db()
    consumer = _consumer(consumer_id)
    delivery = db.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.consumer_id != consumer.id:
        abort(404)
    replay(db, delivery)
    db.commit()
    flash(_("Bezorging %(id)s wordt opnieuw verstuurd (als nieuwe bezorging, met een eigen Idempotency-Key).",
            id=delivery_id), "success")
    return redirect(url_for(".webhook", consumer_id=consumer_id))
