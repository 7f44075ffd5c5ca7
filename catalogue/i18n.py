"""Languages: Dutch by default, English under the /en/ URL prefix.

The middleware moves a leading /en from PATH_INFO to SCRIPT_NAME, so every route (pages, API, static files) also exists under
/en/ and url_for() keeps the prefix without any route being declared twice.
"""
from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel, get_locale, get_translations
from markupsafe import Markup

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"


class LanguagePrefixMiddleware:
    def __init__(self, app, prefixes=("en",)):
        self.app = app
        self.prefixes = prefixes

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        for prefix in self.prefixes:
            marker = f"/{prefix}"
            if path == marker or path.startswith(marker + "/"):
                environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + marker
                environ["PATH_INFO"] = path[len(marker):] or "/"
                environ["catalogue.language"] = prefix
                break
        return self.app(environ, start_response)


def current_language() -> str:
    try:
        return request.environ.get("catalogue.language", DEFAULT_LANGUAGE)
    except RuntimeError:  # outside a request
        return DEFAULT_LANGUAGE


def url_in_language(language: str) -> str:
    """The current page's URL in another language."""
    root = request.script_root
    if root.endswith("/en"):
        root = root[: -len("/en")]
    prefix = root + ("" if language == DEFAULT_LANGUAGE else f"/{language}")
    query = request.query_string.decode("latin-1")
    return prefix + request.path + (f"?{query}" if query else "")


def localized(obj, field: str, language: str | None = None) -> str | None:
    """A content field in the current language (or `language`); content without a translation stays Dutch."""
    language = language or current_language()
    if language != DEFAULT_LANGUAGE:
        translations = getattr(obj, "translations", None)
        if isinstance(translations, dict):
            value = (translations.get(language) or {}).get(field)
            if value:
                return value
        value = getattr(obj, f"{field}_{language}", None)
        if value:
            return value
    return getattr(obj, field, None)


def untranslated(obj, field: str, language: str | None = None) -> bool:
    """True on a page in another language when this content field has no translation (it is shown in Dutch)."""
    value = getattr(obj, field, None) if obj is not None else None
    language = language or current_language()
    return bool(value) and language != DEFAULT_LANGUAGE and localized(obj, field, language) == value


def dutch_only(text) -> Markup | str:
    """Content that exists only in Dutch (e.g. a kind's legal reason), marked as such on pages in other languages:
    <span lang="nl">…</span> (in het Nederlands)."""
    if not text or current_language() == DEFAULT_LANGUAGE:
        return text or ""
    return Markup('<span lang="nl">{}</span> {}').format(text, untranslated_mark())


def untranslated_mark() -> Markup:
    from flask_babel import gettext

    return Markup('<span class="untranslated">{}</span>').format(gettext("(in het Nederlands)"))


_TRANSLATIONS: dict[str, object] = {}


def markup_gettext(message: str, **variables) -> Markup:
    """A message translated as a template's {{ _("…", name=value) }} is: the translation is markup, the values are
    escaped into it (Jinja's newstyle gettext), for HTML drawn in Python."""
    return Markup(_translations().ugettext(message)) % variables


def _translations():
    """The message catalogue of the page's language. The language follows from the URL alone (no locale is forced
    anywhere), so its catalogue is looked up once per language rather than once per string: a result page translates
    some thousand strings, and flask-babel's lookup walks the request context each time."""
    language = current_language()
    found = _TRANSLATIONS.get(language)
    if found is None:
        found = _TRANSLATIONS[language] = get_translations()
    return found


def init_i18n(app: Flask) -> None:
    Babel(app, locale_selector=current_language)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals.update(
        current_language=current_language,
        url_in_language=url_in_language,
        localized=localized,
        untranslated=untranslated,
        untranslated_mark=untranslated_mark,
        dutch_only=dutch_only,
        get_locale=get_locale,
        LANGUAGES=LANGUAGES,
    )
