"""A server-side SVG map of the 35 arbeidsmarktregio's, from seed_data/arbeidsmarktregios_2025.geojson. No Flask.

Projection: equirectangular with the longitude scaled by cos(52°), which is accurate enough for the Netherlands. The
projected paths are computed once per process (module-level cache); rendering is string formatting only.

Every region is an <a href> around a <path> with a <title>, an aria-label and a visible text label (its score), filled by
score band with both a colour and a pattern, so the map does not rely on colour alone. The page shows a table alternative.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path

GEOJSON = Path(__file__).resolve().parent.parent / "seed_data" / "arbeidsmarktregios_2025.geojson"
WIDTH = 600.0
PADDING = 8.0
K = math.cos(math.radians(52.0))

# band -> (fill colour, pattern id or None, legend label nl, legend label en). Colours: light to dark blue, contrast with
# the dark borders; "geen" is light grey with diagonal hatching.
BANDS = {
    "hoog": ("#154273", "p-dots", "80–100: hoog", "80–100: high"),
    "redelijk": ("#4a7ab0", None, "60–79: redelijk", "60–79: fair"),
    "matig": ("#9cbcdc", "p-lines", "40–59: matig", "40–59: moderate"),
    "laag": ("#e4eef8", "p-cross", "0–39: laag", "0–39: low"),
    "geen": ("#f2f2f2", "p-hatch", "geen gegevens", "no data"),
}
BAND_ORDER = ("hoog", "redelijk", "matig", "laag", "geen")


@dataclass(frozen=True)
class RegionShape:
    code: str
    name: str
    d: str  # SVG path data
    label_x: float
    label_y: float


@lru_cache(maxsize=4)
def shapes(path: str = str(GEOJSON)) -> tuple[tuple[RegionShape, ...], float, float]:
    """The projected region shapes, the width and the height of the drawing (cached)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    features = []
    min_x = min_y = math.inf
    max_x = max_y = -math.inf
    for feature in data["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        rings = [[(lon * K, -lat) for lon, lat in ring] for polygon in polygons for ring in polygon]
        for ring in rings:
            for x, y in ring:
                min_x, max_x = min(min_x, x), max(max_x, x)
                min_y, max_y = min(min_y, y), max(max_y, y)
        features.append((feature["properties"], rings, polygons))
    scale = (WIDTH - 2 * PADDING) / (max_x - min_x)
    height = (max_y - min_y) * scale + 2 * PADDING

    def project(point):
        return (point[0] - min_x) * scale + PADDING, (point[1] - min_y) * scale + PADDING

    result = []
    for props, rings, polygons in features:
        parts = []
        for ring in rings:
            points = [project(p) for p in ring]
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z")
        # label at the centroid of the largest outer ring
        outer = max((polygon[0] for polygon in polygons), key=lambda r: abs(_area(r)))
        cx, cy = _centroid([project((lon * K, -lat)) for lon, lat in outer])
        result.append(RegionShape(props["region_code"], props["region_name"], "".join(parts), round(cx, 1), round(cy, 1)))
    result.sort(key=lambda s: s.code)
    return tuple(result), WIDTH, round(height, 1)


def _area(ring) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1])) / 2


def _centroid(points) -> tuple[float, float]:
    a = _area(points)
    if abs(a) < 1e-9:
        return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)
    cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1]):
        cross = x1 * y2 - x2 * y1
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    return cx / (6 * a), cy / (6 * a)


def _patterns() -> str:
    return (
        '<defs>'
        '<pattern id="p-dots" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<rect width="6" height="6" fill="#154273"/><circle cx="3" cy="3" r="1.1" fill="#ffffff"/></pattern>'
        '<pattern id="p-lines" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<rect width="6" height="6" fill="#9cbcdc"/><path d="M0,3H6" stroke="#01294d" stroke-width="0.8"/></pattern>'
        '<pattern id="p-cross" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<rect width="6" height="6" fill="#e4eef8"/><path d="M0,3H6M3,0V6" stroke="#4a7ab0" stroke-width="0.6"/></pattern>'
        '<pattern id="p-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#f2f2f2"/><path d="M0,0V6" stroke="#8a8a8a" stroke-width="1"/></pattern>'
        '</defs>'
    )


def fill_for(band: str) -> str:
    colour, pattern, *_ = BANDS[band]
    return f"url(#{pattern})" if pattern else colour


def render_map(regions: dict[str, dict], title: str, description: str) -> str:
    """The SVG document as a string.

    `regions` maps region code -> {"href", "band", "label" (short visible text, e.g. the score), "title" (full text for
    <title> and aria-label)}. Regions missing from the mapping are drawn in the "geen" band without a link.
    """
    region_shapes, width, height = shapes()
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" class="region-map" role="group" '
        f'aria-labelledby="map-title map-desc">',
        f'<title id="map-title">{escape(title)}</title><desc id="map-desc">{escape(description)}</desc>',
        _patterns(),
    ]
    labels = []
    for shape in region_shapes:
        info = regions.get(shape.code) or {}
        band = info.get("band", "geen")
        text = info.get("title") or shape.name
        path = (f'<path d="{shape.d}" fill="{fill_for(band)}" stroke="#01294d" stroke-width="0.8" '
                f'class="region band-{band}" data-region="{escape(shape.code)}"><title>{escape(text)}</title></path>')
        if info.get("href"):
            out.append(f'<a href="{escape(info["href"])}" aria-label="{escape(text)}">{path}</a>')
        else:
            out.append(path)
        label = info.get("label")
        if label:
            dark = band in ("hoog", "redelijk")
            labels.append(f'<text x="{shape.label_x}" y="{shape.label_y}" class="map-label" text-anchor="middle" '
                          f'dominant-baseline="middle" font-size="10" font-weight="bold" '
                          f'fill="{"#ffffff" if dark else "#01294d"}" aria-hidden="true">{escape(str(label))}</text>')
    out.extend(labels)
    out.append("</svg>")
    return "".join(out)


def legend_swatch(band: str, size: int = 18) -> str:
    """A small SVG swatch for the legend, with the same colour and pattern as on the map (uses the map's <defs>)."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 18 18" aria-hidden="true" '
            f'focusable="false" class="swatch"><rect x="0.5" y="0.5" width="17" height="17" '
            f'fill="{fill_for(band)}" stroke="#01294d"/></svg>')


def band_label(band: str, language: str = "nl") -> str:
    return BANDS[band][3 if language == "en" else 2]
