"""Web hardening (等保 / ASVS): a clean deploy check in production mode, a Content Security Policy
without inline scripts on every page, no page frameable but the platform's own PDF viewer, and the
API schema closed to anonymous visitors in production."""

from __future__ import annotations

import base64
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def production_env() -> dict:
    env = {key: value for key, value in os.environ.items() if key not in ("DEBUG",)}
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="tuoyu.example.gov.cn",
        FIELD_ENCRYPTION_KEYS="k1:" + base64.b64encode(os.urandom(32)).decode(),
        BLIND_INDEX_KEY=secrets.token_urlsafe(40),
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/childcare"),
    )
    return env


def test_the_deploy_check_is_clean_in_production_mode():
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--tag", "security", "--fail-level", "WARNING"],
                            cwd=ROOT, env=production_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_redirects_plain_http_and_sends_strict_transport_security():
    code = (
        "import django; django.setup();"
        "from django.test import Client;"
        "c = Client(HTTP_HOST='tuoyu.example.gov.cn');"
        "r = c.get('/accounts/login/'); print(r.status_code, r.get('Location'));"
        "r = c.get('/api/v1/regions/', secure=True); print(r.status_code, r.get('Strict-Transport-Security'));"
        "r = c.get('/api/v1/schema/', secure=True); print(r.status_code);"
        "r = c.get('/api/v1/docs/', secure=True); print(r.status_code)"
    )
    env = {**production_env(), "DJANGO_SETTINGS_MODULE": "childcare.settings"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    lines = result.stdout.split("\n")
    assert lines[0] == "301 https://tuoyu.example.gov.cn/accounts/login/", result.stdout + result.stderr
    assert lines[1] in ("401 max-age=31536000; includeSubDomains; preload",
                        "403 max-age=31536000; includeSubDomains; preload"), result.stdout + result.stderr
    assert lines[2] in ("401", "403") and lines[3] in ("401", "403"), "schema and docs are closed to anonymous users"


TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
HANDLER_ATTRIBUTE = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)


def test_no_template_carries_an_inline_script_or_an_event_handler_attribute():
    offenders = []
    for directory in TEMPLATE_DIRS:
        for path in directory.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            for pattern in (INLINE_SCRIPT, HANDLER_ATTRIBUTE, re.compile(r"javascript:", re.I)):
                for match in pattern.finditer(text):
                    line = text.count("\n", 0, match.start()) + 1
                    offenders.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0).strip()}")
    assert not offenders, "Inline script (blocked by the CSP; move it to static/js):\n" + "\n".join(offenders)


@pytest.mark.django_db
def test_every_page_carries_a_policy_that_allows_scripts_only_from_the_platform(client, regions):
    for path in ("/accounts/login/", "/verify/330106-2026-00001/", "/api/v1/docs/"):
        response = client.get(path)
        policy = response["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
        assert directives["script-src"] == "'self'", path
        assert "unsafe-inline" not in directives["script-src"] and "unsafe-eval" not in policy
        assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
        assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_the_api_docs_page_loads_its_script_from_the_platform(client, regions):
    body = client.get("/api/v1/docs/").content.decode()
    assert not INLINE_SCRIPT.search(body), "the docs page must not need an inline script"
