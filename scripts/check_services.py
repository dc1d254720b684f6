"""Say clearly which service the test suite needs and is missing, and how to start it."""

from __future__ import annotations

import os
import socket
import sys
from urllib.parse import urlparse


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


problems = []
db = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/childcare")
redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
if not reachable(db, 5432):
    problems.append(
        f"PostgreSQL is not reachable at {db}.\n"
        "  Start it:  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"
        "  or set DATABASE_URL=postgres://USER@HOST:PORT/DB (the user must be able to create databases)."
    )
if not reachable(redis, 6379):
    problems.append(
        f"Redis is not reachable at {redis}.\n"
        '  Start it:  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no\n'
        "  or set REDIS_URL=redis://HOST:PORT/0."
    )
if problems:
    print("make test needs these services:\n" + "\n".join(problems), file=sys.stderr)
    sys.exit(1)
print("services: PostgreSQL and Redis reachable")
