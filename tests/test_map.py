"""The server-side SVG map: all 35 regions, links, text alternatives, no JavaScript."""
import csv
import re

from catalogue import svgmap
from catalogue.config import SEED_DIR


def _region_codes():
    with open(SEED_DIR / "arbeidsmarktregios_2025.csv", encoding="utf-8") as handle:
        return {row["region_code"] for row in csv.DictReader(handle)}


def test_shapes_cover_all_35_regions_and_are_cached():
    shapes, width, height = svgmap.shapes()
    assert len(shapes) == 35
    assert {s.code for s in shapes} == _region_codes()
    assert all(s.d.startswith("M") and s.d.endswith("Z") for s in shapes)
    assert all(0 <= s.label_x <= width and 0 <= s.label_y <= height for s in shapes)
    assert svgmap.shapes()[0] is shapes  # computed once per process


def test_rendered_map():
    svg = svgmap.render_map({"AM20": {"href": "/regios/midden-holland/harmonisatie", "band": "matig", "label": "51",
                                      "title": "Midden-Holland (AM20): score 51"}}, "Kaart", "Beschrijving")
    assert svg.count('class="region band-') == 35
    assert len(set(re.findall(r'data-region="(AM\d\d)"', svg))) == 35
    assert svg.count("<title>") == 35 and '<title id="map-title">Kaart</title>' in svg  # every region, and the map
    assert 'role="group"' in svg and "<desc" in svg  # links inside: a group, not an image (axe nested-interactive)
    assert '<a href="/regios/midden-holland/harmonisatie" aria-label="Midden-Holland (AM20): score 51">' in svg
    assert 'fill="url(#p-lines)"' in svg and 'fill="url(#p-hatch)"' in svg  # patterns, not colour alone
    assert "<script" not in svg and "style=" not in svg  # works without JavaScript and under the CSP


def test_national_page_map_contains_all_regions(client, declared):
    html = client.get("/harmonisatie").get_data(as_text=True)
    svg = html[html.index("<svg"):html.index("</svg>")]
    links = re.findall(r'<a href="(/regios/[^"]+/harmonisatie)"', svg)
    assert len(links) == len(set(links)) == 35
    assert len(set(re.findall(r'data-region="(AM\d\d)"', svg))) == 35
    # legend in text, and the table alternative with every region
    for label in ("80–100: hoog", "60–79: redelijk", "40–59: matig", "0–39: laag", "geen gegevens"):
        assert label in html
    table = html[html.index('id="regions-caption"'):]
    assert len(re.findall(r'href="/regios/[^"]+/harmonisatie"', table)) == 35
    assert "Midden-Holland" in table and ">51<" in table
    en = client.get("/en/harmonisatie").get_data(as_text=True)
    assert 'href="/en/regios/midden-holland/harmonisatie"' in en
