#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback, for the tests and the replica benchmark.
#   scripts/postgres.sh start   # prints the admin URL to use as RUMORCONTROL_TEST_POSTGRES
#   scripts/postgres.sh stop
# It installs Debian's postgresql when missing, makes a fresh data folder (trust authentication, loopback only)
# and listens on port ${RUMORCONTROL_PG_PORT:-54329}. Run as root (it runs the server as the postgres user) or as
# an ordinary user who may write to the data folder.
set -euo pipefail
port="${RUMORCONTROL_PG_PORT:-54329}"
data="${RUMORCONTROL_PG_DATA:-/tmp/rumorcontrol-postgres}"
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [[ -z "$bin" ]]; then
    sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get install -y -q postgresql >&2
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-}" in
    start)
        if [[ -f "$data/postmaster.pid" ]] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
            echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
            exit 0
        fi
        rm -rf "$data"
        mkdir -p "$data"
        [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$data"
        as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$data.initdb.log" 2>&1 \
            || { cat "$data.initdb.log" >&2; exit 1; }
        as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$data -c max_connections=300 -c fsync=on" start >&2
        echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
        ;;
    stop)
        [[ -d "$data" ]] && as_owner "$bin/pg_ctl" -D "$data" -m fast stop >&2 || true
        ;;
    *)
        echo "usage: scripts/postgres.sh start|stop" >&2
        exit 2
        ;;
esac
