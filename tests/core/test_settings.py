"""Production settings refuse development defaults, and start with safe values."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = "import django; django.setup(); from django.conf import settings; print('STARTED', settings.DEBUG)"


def _run(extra: dict[str, str]) -> subprocess.CompletedProcess:
    keep = {k: v for k, v in os.environ.items()
            if k in {"PATH", "HOME", "LANG", "LC_ALL", "VIRTUAL_ENV", "REDIS_URL"}}
    env = {**keep, "DJANGO_SETTINGS_MODULE": "childcare.settings", **extra}
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def _safe() -> dict[str, str]:
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    return {
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "tuoyu.example.gov.cn",
        "FIELD_ENCRYPTION_KEYS": f"k2026:{key}",
        "BLIND_INDEX_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "DATABASE_URL": "postgres://childcare@127.0.0.1:5432/childcare",
    }


def test_production_with_development_defaults_refuses_to_start():
    result = _run({"DJANGO_ENV": "production"})
    assert result.returncode != 0
    assert "STARTED" not in result.stdout
    message = result.stderr
    assert "Unsafe production settings" in message
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "DATABASE_URL"):
        assert name in message, f"{name} not named in: {message[-500:]}"


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
        ({"DEBUG": "1"}, "DEBUG"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"SECRET_KEY": "dev-only-secret-key-never-use-in-production"}, "SECRET_KEY"),
        ({"SECRET_KEY": "x" * 60}, "SECRET_KEY"),
        # The .env.example placeholders copied as they are.
        ({"SECRET_KEY": "change-me-" + secrets.token_urlsafe(50)}, "SECRET_KEY"),
        ({"FIELD_ENCRYPTION_KEYS": "k2026a:change-me"}, "FIELD_ENCRYPTION_KEYS"),
        ({"BLIND_INDEX_KEY": "change-me"}, "BLIND_INDEX_KEY"),
        ({"BLIND_INDEX_KEY": "short-key"}, "BLIND_INDEX_KEY"),
        # A malformed ring stops start-up, not the first encryption.
        ({"FIELD_ENCRYPTION_KEYS": "k1:bm90LWxvbmctZW5vdWdo"}, "FIELD_ENCRYPTION_KEYS"),
        ({"FIELD_ENCRYPTION_KEYS": "k1:%%%not-base64%%%"}, "FIELD_ENCRYPTION_KEYS"),
        ({"FIELD_ENCRYPTION_ALGORITHM": "des"}, "FIELD_ENCRYPTION_ALGORITHM"),
        # WhiteNoise would serve uploaded scans and receipts to anyone.
        ({"MEDIA_ROOT": "/srv/childcare/static/media", "STATIC_ROOT": "/srv/childcare/static"}, "MEDIA_ROOT"),
    ],
)
def test_production_refuses_each_unsafe_value(override, named):
    result = _run({**_safe(), **override})
    assert result.returncode != 0
    assert "Unsafe production settings" in result.stderr and named in result.stderr


def test_production_with_safe_values_starts():
    result = _run(_safe())
    assert result.returncode == 0, result.stderr[-2000:]
    assert "STARTED False" in result.stdout


def test_development_starts_with_defaults():
    result = _run({})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "STARTED True" in result.stdout


def test_production_static_build_succeeds(tmp_path):
    """The Dockerfile's collectstatic step: hashed, compressed storage must find every referenced file."""
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL", "VIRTUAL_ENV"}}
    env = {**keep, **_safe(), "STATIC_ROOT": str(tmp_path / "static")}
    result = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "static" / "staticfiles.json").exists()
