#!/bin/bash
# Runs once, when the primary's data directory is first initialised (/docker-entrypoint-initdb.d):
# a replication-only role for the streaming replica (profile "scale") and the pg_hba line that lets
# it stream. On an existing volume run it by hand once:
#   docker compose exec -e REPLICATION_PASSWORD=... db bash /docker-entrypoint-initdb.d/10-replication.sh
#   docker compose exec db psql -U "$POSTGRES_USER" -c 'SELECT pg_reload_conf()'
set -euo pipefail
if [ -z "${REPLICATION_PASSWORD:-}" ]; then
    echo "REPLICATION_PASSWORD not set: no replication role (the scale profile's replica cannot start)"
    exit 0
fi
psql -v ON_ERROR_STOP=1 -v pw="$REPLICATION_PASSWORD" --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
SELECT format('CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD %L', :'pw')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'replicator') \gexec
SQL
grep -q '^host replication replicator' "$PGDATA/pg_hba.conf" || \
    echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
