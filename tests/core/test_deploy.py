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


# --- profile "scale": replica, PgBouncer (session mode), two web and two worker containers -------

_VAR = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")


def _interpolate(value, env: dict[str, str]):
    """Compose's ``${VAR}`` / ``${VAR:-default}`` substitution (``$$`` left alone), over the whole tree."""
    if isinstance(value, str):
        return _VAR.sub(lambda m: env.get(m.group(1)) or (m.group(2) or ""), value.replace("$$", "\0")).replace("\0", "$")
    if isinstance(value, list):
        return [_interpolate(v, env) for v in value]
    if isinstance(value, dict):
        return {k: _interpolate(v, env) for k, v in value.items()}
    return value


def _env_file(path: str) -> dict[str, str]:
    lines = (ROOT / path).read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


def _running(env: dict[str, str]) -> dict[str, dict]:
    """The services ``docker compose up`` starts with these variables (profiles from COMPOSE_PROFILES)."""
    profiles = set(filter(None, env.get("COMPOSE_PROFILES", "").split(",")))
    services = _interpolate(_compose()["services"], {"DB_APP_PASSWORD": "pw", **env})
    return {name: s for name, s in services.items() if not s.get("profiles") or profiles & set(s["profiles"])}


def test_without_the_scale_profile_one_database_and_no_replica():
    services = _running({})
    assert not {"db-replica", "pgbouncer", "web-2", "worker-2"} & set(services)
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert "@db:5432/" in env["DATABASE_URL"]
        assert env["DATABASE_REPLICA_HOST"] == ""  # settings: no replica alias, the router reads default


def test_the_scale_profile_runs_a_replica_pgbouncer_two_webs_and_two_workers():
    services = _running(_env_file("deploy/scale.env"))
    webs = [n for n, s in services.items() if s.get("command", [None])[0] == "gunicorn"]
    workers = [n for n, s in services.items() if s.get("command", [None])[:4] == ["celery", "-A", "childcare", "worker"]]
    assert sorted(webs) == ["web", "web-2"] and sorted(workers) == ["worker", "worker-2"]
    for name in webs + workers:
        env = services[name]["environment"]
        assert "@pgbouncer:6432/" in env["DATABASE_URL"], name
        assert env["DATABASE_REPLICA_HOST"] == "db-replica", name
    # The second web answers to the proxy's upstream name, and the proxy waits for it.
    assert "web" in services["web-2"]["networks"]["default"]["aliases"]
    assert "web-2" in services["proxy"]["depends_on"]
    # Migrations run as the owner, straight on the primary (never through the pooler, never on the replica).
    assert "@db:5432/" in services["migrate"]["environment"]["DATABASE_URL"]
    # PgBouncer: session mode (ADR 0001: app.tenant is a session setting), in front of the primary.
    bouncer = services["pgbouncer"]
    assert bouncer["environment"]["POOL_MODE"] == "session" and bouncer["environment"]["DB_HOST"] == "db"
    assert bouncer["environment"]["LISTEN_PORT"] == "6432"
    # The replica: a real PostgreSQL cloned from the primary with pg_basebackup, run as a hot standby.
    replica = services["db-replica"]
    assert replica["image"] == services["db"]["image"] == "postgres:16"
    script = (ROOT / "deploy/postgres/replica-entrypoint.sh").read_text()
    assert "pg_basebackup" in script and "--write-recovery-conf" in script and "hot_standby=on" in script
    assert replica["environment"]["PRIMARY_HOST"] == "db"
    mounted = " ".join(replica["volumes"])
    assert "replica-entrypoint.sh:/usr/local/bin/replica-entrypoint.sh" in mounted
    assert replica["entrypoint"] == ["/usr/local/bin/replica-entrypoint.sh"]
    # The primary lets the replication role stream.
    primary_init = (ROOT / "deploy/postgres/primary-replication.sh").read_text()
    assert "REPLICATION LOGIN" in primary_init and "host replication replicator" in primary_init
    assert any(v.endswith("/docker-entrypoint-initdb.d/10-replication.sh:ro") for v in services["db"]["volumes"])
    # Still only the proxy is published.
    assert {name for name, s in services.items() if s.get("ports")} == {"proxy"}
