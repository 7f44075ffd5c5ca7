"""The shared instrument input schema: validation messages and sanitising."""
import pytest
from marshmallow import ValidationError

from catalogue.schemas import InstrumentInputSchema

VALID = {
    "slug": "test-instrument", "name": "Test", "kind": "proefplaatsing", "provider": "uwv", "reach": "landelijk",
    "summary": "Een korte samenvatting voor werkgevers.", "source_url": "https://www.uwv.nl/", "status": "published",
}


def load(**changes):
    return InstrumentInputSchema(known={"kind": {"proefplaatsing"}, "provider": {"uwv"}, "target_groups": {"ouderen"}}).load(
        {**VALID, **changes})


def test_valid_record_loads():
    data = load()
    assert data["slug"] == "test-instrument" and data["status"] == "published"


@pytest.mark.parametrize("changes, field", [
    ({"slug": "Hoofd Letters"}, "slug"),
    ({"reach": "overal"}, "reach"),
    ({"kind": "onbekend"}, "kind"),
    ({"target_groups": ["marsmannetjes"]}, "target_groups"),
    ({"duration_max": 3}, "duration_unit"),
    ({"amount_type": "per_uur"}, "amount_value"),
    ({"amount_type": "percentage_wml", "amount_value": "120"}, "amount_value"),
    ({"valid_from": "2025-05-01", "valid_until": "2025-01-01"}, "valid_until"),
    ({"source_url": "javascript:alert(1)"}, "source_url"),
    ({"source_url": None}, "source_url"),
    ({"reach": "landelijk", "municipalities": ["GM0513"]}, "reach"),
    ({"last_checked": "23-11-2026"}, "last_checked"),
    ({"unexpected": 1}, "unexpected"),
])
def test_invalid_input_names_the_field(changes, field):
    with pytest.raises(ValidationError) as exc:
        load(**changes)
    assert field in exc.value.messages


def test_rich_text_is_sanitised_and_plain_text_stripped():
    data = load(
        description='<p onclick="x()">Hallo <script>alert(1)</script><a href="javascript:alert(2)">link</a> <strong>vet</strong></p>',
        summary='Samenvatting <img src=x onerror=alert(1)> voor werkgevers',
        how_to_apply="Eerste alinea.\n\nTweede alinea & meer.",
    )
    assert "<script" not in data["description"] and "onclick" not in data["description"]
    assert "javascript:" not in data["description"]
    assert "<strong>vet</strong>" in data["description"]
    assert "<img" not in data["summary"] and "onerror" not in data["summary"]
    assert data["how_to_apply"].startswith("<p>Eerste alinea.</p>")
    assert "<p>Tweede alinea &amp; meer.</p>" in data["how_to_apply"]


def test_translations_are_sanitised_too():
    data = load(translations={"en": {"name": "<b>Trial</b>", "description": "<script>x</script><p>ok</p>"}})
    assert data["translations"]["en"]["name"] == "Trial"
    assert "<script" not in data["translations"]["en"]["description"]


def test_plain_text_is_stored_without_entities_and_nested_text_is_stripped():
    data = load(name="Werk & Inkomen <b>Gouda</b>",
                contacts=[{"name": "<i>Team</i> Werk & Zo", "phone": "0182 - 58 88 88"}],
                links=[{"title": "<script>x</script>Regeling & uitleg", "url": "https://example.org/"}])
    assert data["name"] == "Werk & Inkomen Gouda"
    assert data["contacts"][0]["name"] == "Team Werk & Zo"
    assert data["links"][0]["title"] == "Regeling & uitleg"
