"""The OpenAPI schema builds without errors or warnings (drf-spectacular --validate --fail-on-warn)."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    paths = schema["paths"]
    for path in ("/api/v1/registrations/", "/api/v1/institutions/{id}/", "/api/v1/institutions/{institution_id}/staff/",
                 "/api/v1/filings/{id}/submit/", "/api/v1/filings/{id}/documents/", "/api/v1/filings/{id}/receipt.pdf",
                 "/api/v1/claims/{id}/confirm/"):
        assert path in paths, path
    push = schema["components"]["schemas"]["RegistrationPushRequest"]["properties"]
    assert set(push) == {"uscc", "name", "nature", "legal_representative", "address", "district", "registered_on",
                         "business_scope"}


def _json_schema(node):
    """OpenAPI 3.0 → JSON Schema: ``nullable: true`` becomes "or null"."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


def test_what_the_api_returns_validates_against_the_published_schema(tmp_path, make_account, regions, settings):
    """The enums refused the "" that blank choice columns answer (a staff member's education, a
    draft's premises type): a client generated from the schema rejected the API's own answers."""
    import jsonschema
    from django_scopes import scopes_disabled
    from rest_framework.test import APIClient

    from registry.models import Filing
    from tests.factories import InstitutionFactory, StaffFactory

    settings.MEDIA_ROOT = tmp_path
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out))
    components = _json_schema(yaml.safe_load(out.read_text())["components"])
    with scopes_disabled():
        institution = InstitutionFactory()
        StaffFactory(institution=institution, education="")
        filing = Filing(institution=institution, name=institution.name, premises_type="")
        filing.set_region(institution.region)
        filing.save()
    client = APIClient()
    client.force_authenticate(make_account("schema_reviewer", "district_reviewer", "330106"))
    answers = {
        "Filing": client.get(f"/api/v1/filings/{filing.pk}/").json(),
        "Institution": client.get(f"/api/v1/institutions/{institution.pk}/").json(),
        "Staff": client.get(f"/api/v1/institutions/{institution.pk}/staff/").json()["results"][0],
    }
    assert answers["Filing"]["premises_type"] == "" and answers["Staff"]["education"] == ""
    for name, body in answers.items():
        jsonschema.validate(body, {"$ref": f"#/components/schemas/{name}", "components": components})
