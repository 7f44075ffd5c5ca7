"""The embeddable guide (issue 15 §4): framing headers, plain-origin validation, branding, links leaving the frame, the
coordinator's settings and snippet, HTTP caching, and CORS for the public read API."""
import io
import re

import pytest
from sqlalchemy import select

from accounts import csrf_token, login, people, post  # noqa: F401
from catalogue.embed.branding import BrandingError, check_logo, contrast, parse_colour, text_colour_on
from catalogue.embed.links import open_links_in_new_tab
from catalogue.embed.origins import OriginError, content_security_policy, frame_ancestors, parse_origin, parse_origins
from catalogue.models import AuditEntry, Region

EMBED_PAGES = ("/embed/regios/midden-holland", "/embed/gemeenten/gouda", "/embed/werkgever?regio=midden-holland",
               "/en/embed/gemeenten/gouda", "/embed/werkgever?regio=midden-holland&gemeente=GM0513&doelgroep=&uitkering=&leeftijd=")
ORIGINS = ["https://www.gouda.nl", "https://wsp.example.org:8443"]


def _png(width=40, height=20, fmt="PNG") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (1, 104, 155)).save(out, fmt)
    return out.getvalue()


def _midden_holland(session) -> Region:
    return session.scalar(select(Region).where(Region.code == "AM20"))


@pytest.fixture()
def allowed(session):
    region = _midden_holland(session)
    region.embed_origins = list(ORIGINS)
    session.commit()
    return region


# ---------------------------------------------------------------------------------------------------------------------
# Plain origins


@pytest.mark.parametrize("text, expected", [
    ("https://www.gouda.nl", "https://www.gouda.nl"),
    ("HTTPS://WWW.Gouda.NL/", "https://www.gouda.nl"),
    ("https://gouda.nl:443", "https://gouda.nl"),
    ("https://gouda.nl:8443", "https://gouda.nl:8443"),
    ("http://localhost:8000", "http://localhost:8000"),
    ("http://127.0.0.1:5050", "http://127.0.0.1:5050"),
    ("http://[::1]:8080", "http://[::1]:8080"),
    ("https://münchen.de", "https://xn--mnchen-3ya.de"),
])
def test_plain_origins_are_accepted_in_one_spelling(text, expected):
    assert parse_origin(text) == expected


@pytest.mark.parametrize("text, words", [
    ("https://www.gouda.nl/werkgevers", "zonder pad"),
    ("https://www.gouda.nl?x=1", "zonder pad"),
    ("https://www.gouda.nl#top", "zonder pad"),
    ("https://*.gouda.nl", "jokertekens"),
    ("*", "jokertekens"),
    ("http://www.gouda.nl", "begin met https://"),
    ("www.gouda.nl", "begin met https://"),
    ("ftp://gouda.nl", "begin met https://"),
    ("javascript://gouda.nl", "begin met https://"),
    ("https://user:pw@gouda.nl", "gebruikersnaam"),
    ("https://gouda.nl:0", "poortnummer"),
    ("https://gouda.nl:99999", "poortnummer"),
    ("https://gouda.nl:80a", "poortnummer"),
    ("https://gouda", "geen geldige domeinnaam"),
    ("https://gou_da.nl", "geen geldige domeinnaam"),
    ("https://-gouda.nl", "geen geldige domeinnaam"),
    ("https://gouda.nl;script-src", "geen geldige domeinnaam"),
    ("https://'self'", "geen geldige domeinnaam"),
    ("https://[2001:db8::1]", "geen geldige domeinnaam"),
])
def test_anything_but_a_plain_origin_is_refused_with_a_message(text, words):
    with pytest.raises(OriginError) as caught:
        parse_origin(text)
    assert words in str(caught.value)
    assert text[:40] in str(caught.value)


def test_a_list_of_origins_keeps_the_good_ones_and_names_every_bad_one():
    origins, errors = parse_origins("https://www.gouda.nl\nhttps://www.gouda.nl/, https://a.nl/x https://*.b.nl")
    assert origins == ["https://www.gouda.nl"]
    assert [e.values["value"] for e in errors] == ["https://a.nl/x", "https://*.b.nl"]
    _, errors = parse_origins("\n".join(f"https://site{i}.nl" for i in range(21)))
    assert "ten hoogste 20" in str(errors[-1])


def test_frame_ancestors_lists_only_plain_origins():
    assert frame_ancestors([]) == "frame-ancestors 'none'"
    assert frame_ancestors(ORIGINS) == "frame-ancestors https://www.gouda.nl https://wsp.example.org:8443"
    assert frame_ancestors(["https://a.nl; script-src *", "*"]) == "frame-ancestors 'none'"  # never from stored junk
    assert "frame-ancestors 'none';" in content_security_policy()


# ---------------------------------------------------------------------------------------------------------------------
# Branding


def test_colour_and_a_readable_text_colour_on_it():
    assert parse_colour(" #01689B ") == "#01689b"
    assert parse_colour("18b") == "#1188bb"
    assert parse_colour("") is None
    for bad in ("blue", "#12345", "#ggg000", "rgb(1,2,3)", "#0000001"):
        with pytest.raises(BrandingError):
            parse_colour(bad)
    for colour in ("#000000", "#ffffff", "#777777", "#ffb612", "#154273", "#01689b", "#e17000", "#39870c", "#ff0000"):
        assert contrast(colour, text_colour_on(colour)) >= 4.5, colour
    assert text_colour_on("#154273") == "#ffffff" and text_colour_on("#ffb612") == "#000000"


def test_logo_checked_by_decoding_it():
    logo = check_logo(_png())
    assert logo.content_type == "image/png" and len(logo.digest) == 16
    assert check_logo(_png(fmt="JPEG")).content_type == "image/jpeg"
    assert check_logo(_png(fmt="WEBP")).content_type == "image/webp"
    cases = [(_png(fmt="GIF"), "PNG-, JPEG- of WebP"), (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "PNG-, JPEG- of WebP"),
             (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "PNG-, JPEG- of WebP"), (_png()[:60], "geen leesbare afbeelding"),
             (_png(2100, 10), "2000 bij 2000"), (b"\0" * (301 * 1024), "300 kB")]
    for data, words in cases:
        with pytest.raises(BrandingError) as caught:
            check_logo(data)
        assert words in str(caught.value)


# ---------------------------------------------------------------------------------------------------------------------
# Links in an embedded page


def test_links_leaving_the_embed_open_in_a_new_tab_with_a_cue():
    html = ('<a href="/gemeenten/gouda">Gouda</a><a href="#x">in de pagina</a><a href="/embed/werkgever?regio=a">stap</a>'
            '<a href="/en/embed/regios/a">English</a><a href="mailto:a@gouda.nl">mail</a>'
            '<a href="https://wsp.nl" rel="nofollow" title="a &quot;b&quot; &gt; c">WSP</a>'
            '<form action="/werkgever/overzicht" method="get"></form><form action="/embed/werkgever"></form><form></form>')
    out = open_links_in_new_tab(html, "opent in nieuw tabblad", ("/en/embed/", "/embed/"))
    cue = '<span class="visually-hidden"> (opent in nieuw tabblad)</span>'
    assert f'<a href="/gemeenten/gouda" target="_blank" rel="noopener">Gouda{cue}</a>' in out
    assert f'<a href="https://wsp.nl" rel="nofollow noopener" title="a &quot;b&quot; &gt; c" target="_blank">WSP{cue}</a>' \
        in out or f'title="a &quot;b&quot; &gt; c" target="_blank" rel="nofollow noopener">WSP{cue}</a>' in out
    for same in ('<a href="#x">in de pagina</a>', '<a href="/embed/werkgever?regio=a">stap</a>',
                 '<a href="/en/embed/regios/a">English</a>', '<a href="mailto:a@gouda.nl">mail</a>',
                 '<form action="/embed/werkgever"></form>', '<form></form>'):
        assert same in out
    assert '<form action="/werkgever/overzicht" method="get" target="_blank" rel="noopener">' in out
    assert out.count(cue) == 2


# ---------------------------------------------------------------------------------------------------------------------
# Framing headers


def _csp(response) -> str:
    return response.headers["Content-Security-Policy"]


def test_embed_pages_without_listed_origins_may_not_be_framed(client):
    for url in EMBED_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "frame-ancestors 'none'" in _csp(response), url
        assert response.headers["X-Frame-Options"] == "DENY", url


def test_embed_pages_may_be_framed_by_exactly_the_listed_origins(client, allowed):
    for url in EMBED_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        directive = re.search(r"frame-ancestors ([^;]*)", _csp(response)).group(1)
        assert directive.split() == ORIGINS, url
        assert "X-Frame-Options" not in response.headers, url
        assert "script-src 'self'" in _csp(response) and "default-src 'self'" in _csp(response)
    # another region's pages, and every other page, keep 'none'
    for url in ("/embed/regios/flevoland", "/embed/gemeenten/almere", "/embed/werkgever?regio=flevoland",
                "/regios/midden-holland", "/gemeenten/gouda", "/werkgever", "/api/v1/regions/AM20", "/inloggen",
                "/embed/regios/midden-holland/stijl.css", "/embed/werkgever", "/embed/regios/bestaat-niet"):
        response = client.get(url)
        assert "frame-ancestors 'none'" in _csp(response), url
        assert response.headers["X-Frame-Options"] == "DENY", url


def test_cached_answers_carry_the_same_framing_header(app, client, allowed):
    """A 304 and a page answered from the page cache (the view does not run) carry the region's frame-ancestors too."""
    first = client.get("/embed/gemeenten/gouda")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=0, must-revalidate" and "Cookie" in first.headers["Vary"]
    again = client.get("/embed/gemeenten/gouda", headers={"If-None-Match": etag})
    assert again.status_code == 304 and _csp(again) == _csp(first) and "X-Frame-Options" not in again.headers
    app.config["PAGE_CACHE"] = True
    try:
        client.get("/embed/regios/midden-holland")
        stored = client.get("/embed/regios/midden-holland")
        assert stored.status_code == 200 and "https://www.gouda.nl" in _csp(stored)
        assert "opent in nieuw tabblad" in stored.get_data(as_text=True)
    finally:
        app.config["PAGE_CACHE"] = False
        from catalogue.web.http_cache import page_cache

        page_cache.clear()


def test_changed_settings_change_the_validators(client, session, people):
    before = client.get("/embed/regios/midden-holland").headers["ETag"]
    login(client, people["coordinator"])
    assert post(client, "/beheer/regios/midden-holland/insluiten",
                {"embed_colour": "#e17000", "embed_origins": "https://www.gouda.nl"}).status_code == 302
    login(client, None)
    client.cookie_jar.clear() if hasattr(client, "cookie_jar") else None
    response = client.get("/embed/regios/midden-holland")
    assert response.headers["ETag"] != before
    assert "frame-ancestors https://www.gouda.nl;" in _csp(response)


# ---------------------------------------------------------------------------------------------------------------------
# The embedded pages


def test_embedded_pages_are_minimal_and_reuse_the_full_pages(client, session):
    region = _midden_holland(session)
    region.embed_colour = "#e17000"
    logo = check_logo(_png())
    region.embed_logo, region.embed_logo_type, region.embed_logo_hash = logo.data, logo.content_type, logo.digest
    session.commit()
    html = client.get("/embed/gemeenten/gouda").get_data(as_text=True)
    assert "main-nav" not in html and "Hoofdmenu" not in html and "breadcrumbs" not in html
    assert "Instrumenten voor werkgevers in Gouda" in html  # the gemeente page's own content
    assert "onbekend — nog niet ingevoerd" in html and "badge-example" in html  # coverage message and example marks
    assert "WSP Midden-Holland" in html or region.wsp_name in html
    assert f'/embed/regios/midden-holland/logo?v={logo.digest}' in html
    assert '/embed/regios/midden-holland/stijl.css?v=e17000' in html and "/static/js/embed.js" in html
    assert "export-buttons" not in html  # no downloads inside someone else's page
    links = re.findall(r'<a href="(/instrumenten/[^"]+)"([^>]*)>', html)
    assert links and all('target="_blank"' in attrs and 'rel="noopener"' in attrs for _, attrs in links)
    assert html.count("(opent in nieuw tabblad)") >= len(links)
    assert 'href="http://localhost/gemeenten/gouda" target="_blank" rel="noopener"' in html  # the full page
    css = client.get("/embed/regios/midden-holland/stijl.css")
    assert css.mimetype == "text/css" and "--embed-accent: #e17000; --embed-on-accent: #000000;" in css.get_data(as_text=True)
    image = client.get(f"/embed/regios/midden-holland/logo?v={logo.digest}")
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data == logo.data
    assert client.get("/embed/regios/flevoland/logo").status_code == 404  # no logo: none, never a made-up one
    assert "embed-logo" not in client.get("/embed/regios/flevoland").get_data(as_text=True)

    english = client.get("/en/embed/regios/midden-holland").get_data(as_text=True)
    assert '<html lang="en"' in english and "(opens in a new tab)" in english
    assert 'href="/embed/regios/midden-holland" lang="nl"' in english  # the language switch stays in the frame


def test_embedded_wizard_keeps_every_step_in_the_frame(client):
    assert client.get("/embed/werkgever").status_code == 400
    assert "regio=" in client.get("/embed/werkgever").get_data(as_text=True)
    assert client.get("/embed/werkgever?regio=bestaat-niet").status_code == 404
    start = client.get("/embed/werkgever?regio=midden-holland").get_data(as_text=True)
    assert 'action="/embed/werkgever?regio=midden-holland"' in start and 'name="regio" value="midden-holland"' in start
    assert '<a href="/en/embed/werkgever?regio=midden-holland" lang="en" hreflang="en">English</a>' in start
    redirect = client.get("/embed/werkgever?regio=midden-holland&gemeente=Gouda")
    assert redirect.status_code == 302
    assert redirect.headers["Location"] == "/embed/werkgever?regio=midden-holland&gemeente=GM0513"
    result = client.get("/embed/werkgever?regio=midden-holland&gemeente=GM0513&doelgroep=&uitkering=&leeftijd=")
    html = result.get_data(as_text=True)
    assert result.status_code == 200 and "main-nav" not in html
    assert 'href="/embed/werkgever?regio=midden-holland&amp;stap=2&amp;gemeente=GM0513' in html  # change answers: in frame
    assert 'action="/werkgever/overzicht" method="get" target="_blank" rel="noopener"' in html  # the summary: new tab
    assert 'value="http://localhost/werkgever?gemeente=GM0513' in html  # the shareable link is the full wizard's
    assert "regio=midden-holland" not in re.search(r'id="share-url"[^>]*>', html).group(0)


# ---------------------------------------------------------------------------------------------------------------------
# The coordinator's settings and the snippet


def test_coordinator_sets_colour_logo_and_origins(client, session, people):
    login(client, people["coordinator"])
    page = client.get("/beheer/regios/midden-holland/insluiten")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.get_data(as_text=True)
    response = client.post("/beheer/regios/midden-holland/insluiten", data={
        "csrf_token": csrf_token(client), "embed_colour": "#E17000",
        "embed_origins": "https://www.gouda.nl/\nhttps://wsp.example.org:8443",
        "embed_logo": (io.BytesIO(_png()), "logo.png")}, content_type="multipart/form-data")
    assert response.status_code == 302
    region = _midden_holland(session)
    session.refresh(region)
    assert region.embed_colour == "#e17000" and region.embed_origins == ORIGINS
    assert region.embed_logo_type == "image/png" and region.embed_logo == _png()
    entry = session.scalars(select(AuditEntry).where(AuditEntry.region_id == region.id)
                            .order_by(AuditEntry.id.desc())).first()
    assert entry.action == "region_update" and entry.actor == "coordinator@example.org"
    assert set(entry.changes) == {"embed_colour", "embed_origins", "embed_logo"}
    assert entry.changes["embed_origins"] == [[], ORIGINS] and "image/png" in entry.changes["embed_logo"][1]

    assert post(client, "/beheer/regios/midden-holland/insluiten", {
        "embed_colour": "#e17000", "embed_origins": "https://www.gouda.nl", "remove_logo": "1"}).status_code == 302
    session.refresh(region)
    assert region.embed_logo is None and region.embed_logo_hash is None and region.embed_origins == ["https://www.gouda.nl"]


@pytest.mark.parametrize("form, field, message", [
    ({"embed_origins": "https://www.gouda.nl/werkgevers"}, "embed_origins", "zonder pad, zoekvraag of #"),
    ({"embed_origins": "https://*.gouda.nl"}, "embed_origins", "jokertekens"),
    ({"embed_origins": "http://www.gouda.nl"}, "embed_origins", "begin met https://"),
    ({"embed_colour": "oranje"}, "embed_colour", "#rrggbb"),
])
def test_bad_settings_get_a_message_and_change_nothing(client, session, people, form, field, message):
    region = _midden_holland(session)
    region.embed_origins, region.embed_colour = ["https://oud.example.org"], "#154273"
    session.commit()
    login(client, people["coordinator"])
    data = {"embed_colour": "#e17000", "embed_origins": "https://www.gouda.nl", **form}
    response = post(client, "/beheer/regios/midden-holland/insluiten", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html and "Er is niets gewijzigd." in html
    assert f'id="f-{field}-error"' in html and 'aria-invalid="true"' in html
    assert (data["embed_origins"] in html) and (data["embed_colour"] in html)  # what was typed is kept
    session.refresh(region)
    assert region.embed_origins == ["https://oud.example.org"] and region.embed_colour == "#154273"
    english = post(client, "/en/beheer/regios/midden-holland/insluiten", data).get_data(as_text=True)
    assert "Nothing was changed." in english


def test_a_bad_logo_is_refused_and_the_rest_kept(client, session, people):
    login(client, people["coordinator"])
    response = client.post("/beheer/regios/midden-holland/insluiten", data={
        "csrf_token": csrf_token(client), "embed_colour": "#e17000", "embed_origins": "https://www.gouda.nl",
        "embed_logo": (io.BytesIO(b"GIF89a" + b"\0" * 30), "logo.png")}, content_type="multipart/form-data")
    assert response.status_code == 400 and "PNG-, JPEG- of WebP" in response.get_data(as_text=True)
    region = _midden_holland(session)
    session.refresh(region)
    assert region.embed_origins == [] and region.embed_logo is None and region.embed_colour is None


@pytest.mark.parametrize("role", ["editor", "other_coordinator", "account_manager"])
def test_only_the_regions_coordinators_change_the_settings(client, session, people, role):
    login(client, people[role])
    assert client.get("/beheer/regios/midden-holland/insluiten").status_code == 403
    assert post(client, "/beheer/regios/midden-holland/insluiten",
                {"embed_origins": "https://evil.example.org"}).status_code == 403
    assert _midden_holland(session).embed_origins == []


def test_snippet_for_coordinators_on_the_region_and_gemeente_pages(client, people):
    for url in ("/regios/midden-holland", "/gemeenten/gouda"):
        assert "data-instrumentengids" not in client.get(url).get_data(as_text=True), url
    login(client, people["coordinator"])
    region = client.get("/regios/midden-holland").get_data(as_text=True)
    assert "&lt;iframe src=&#34;http://localhost/embed/regios/midden-holland&#34;" in region
    assert "http://localhost/embed/werkgever?regio=midden-holland" in region
    assert "http://localhost/static/js/embed-host.js" in region and "data-instrumentengids" in region
    assert "nog geen websites opgegeven" in region
    gemeente = client.get("/gemeenten/gouda").get_data(as_text=True)
    assert "http://localhost/embed/gemeenten/gouda" in gemeente
    login(client, people["other_coordinator"])
    assert "data-instrumentengids" not in client.get("/regios/midden-holland").get_data(as_text=True)


# ---------------------------------------------------------------------------------------------------------------------
# CORS for the public read API


@pytest.mark.parametrize("url", ["/api/v1/instruments", "/api/v1/instruments/uwv-proefplaatsing", "/api/v1/regions/AM20",
                                 "/api/v1/municipalities", "/api/v1/kinds", "/api/v1/suggest?q=proef",
                                 "/api/v1/coverage", "/api/v1/openapi.json", "/en/api/v1/regions"])
def test_public_api_answers_cross_origin_gets_without_credentials(client, url):
    response = client.get(url, headers={"Origin": "https://www.gouda.nl"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    path = url.split("?")[0]
    preflight = client.options(path, headers={"Origin": "https://www.gouda.nl", "Access-Control-Request-Method": "GET",
                                              "Access-Control-Request-Headers": "if-none-match"})
    assert preflight.status_code == 200 and preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, HEAD"
    assert "Access-Control-Allow-Credentials" not in preflight.headers


def test_cors_also_on_errors_and_revalidations_of_public_reads(client):
    bad = client.get("/api/v1/instruments?kind=bestaat-niet", headers={"Origin": "https://a.nl"})
    assert bad.status_code == 400 and bad.headers["Access-Control-Allow-Origin"] == "*"
    etag = client.get("/api/v1/kinds").headers["ETag"]
    again = client.get("/api/v1/kinds", headers={"Origin": "https://a.nl", "If-None-Match": etag})
    assert again.status_code == 304 and again.headers["Access-Control-Allow-Origin"] == "*"


def test_no_cors_for_writes_tokens_and_pages(client, people):
    origin = {"Origin": "https://evil.example.org"}
    for method, url in (("POST", "/api/v1/instruments"), ("PATCH", "/api/v1/regions/AM20"),
                        ("DELETE", "/api/v1/instruments/uwv-proefplaatsing"),
                        ("POST", "/api/v1/municipalities/GM0513/coverage"), ("PUT", "/api/v1/instruments/uwv-proefplaatsing")):
        preflight = client.options(url, headers={**origin, "Access-Control-Request-Method": method})
        assert "Access-Control-Allow-Origin" not in preflight.headers, (method, url)
        actual = client.open(url, method=method, headers=origin, json={})
        assert "Access-Control-Allow-Origin" not in actual.headers, (method, url)
    # a token-only read, and asking to send a token
    internal = "/api/v1/instruments/uwv-proefplaatsing/internal"
    assert "Access-Control-Allow-Origin" not in client.get(internal, headers=origin).headers
    assert "Access-Control-Allow-Origin" not in client.options(
        internal, headers={**origin, "Access-Control-Request-Method": "GET"}).headers
    asks_token = client.options("/api/v1/instruments", headers={
        **origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"})
    assert "Access-Control-Allow-Origin" not in asks_token.headers
    for url in ("/regios", "/embed/regios/midden-holland", "/beheer/"):
        assert "Access-Control-Allow-Origin" not in client.get(url, headers=origin).headers, url
