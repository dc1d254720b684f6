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
