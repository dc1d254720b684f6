"""The compose deployment publishes only the proxy, and trusts forwarded headers from it alone."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_only_the_proxy_is_published():
    services = _compose()["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert "8000" not in " ".join(services["proxy"]["ports"])


def test_gunicorn_trusts_forwarded_headers_from_the_proxy_only():
    compose = _compose()
    web = compose["services"]["web"]
    command = web["command"]
    allowed = command[command.index("--forwarded-allow-ips") + 1]
    assert allowed != "*" and allowed == compose["services"]["proxy"]["networks"]["default"]["ipv4_address"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert not re.search(r"forwarded-allow-ips[\"',\s]+\*", dockerfile)


def test_the_app_trusts_forwarded_for_from_the_proxy_address_only():
    compose = _compose()
    app = compose["x-app"]["environment"]
    assert app["TRUSTED_PROXY_HOPS"] == "1"
    assert app["TRUSTED_PROXIES"] == compose["services"]["proxy"]["networks"]["default"]["ipv4_address"]


def test_the_proxy_serves_no_files():
    conf = (ROOT / "deploy/nginx/default.conf.template").read_text()
    assert "proxy_pass http://web:8000;" in conf
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in conf
    assert not re.search(r"^\s*(root|alias)\s", conf, re.M)
    volumes = " ".join(_compose()["services"]["proxy"].get("volumes", []))
    assert "media" not in volumes
