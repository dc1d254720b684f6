#!/bin/bash
# The streaming replica (profile "scale"): on an empty volume, clone the primary with pg_basebackup
# (-R writes standby.signal and primary_conninfo), then run PostgreSQL as a hot standby. Read-only:
# the app sends it only the reads core/db/routing.py allows. Roles, passwords and row-level security
# policies are the primary's (a physical copy).
set -euo pipefail
: "${PRIMARY_HOST:=db}" "${REPLICATION_PASSWORD:?REPLICATION_PASSWORD must be set}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 700 "$PGDATA"
    until PGPASSWORD="$REPLICATION_PASSWORD" gosu postgres pg_basebackup --host "$PRIMARY_HOST" \
            --username replicator --pgdata "$PGDATA" --wal-method stream --write-recovery-conf --progress; do
        echo "primary $PRIMARY_HOST not ready for a base backup; retrying in 5 s"
        rm -rf "${PGDATA:?}"/*
        sleep 5
    done
fi
exec gosu postgres postgres -c hot_standby=on -c hot_standby_feedback=on -c max_connections=200
