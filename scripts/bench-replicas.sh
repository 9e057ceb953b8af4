#!/usr/bin/env bash
# The scale-out benchmark: two `rumorctl serve` replicas on one PostgreSQL behind nginx, against one replica on
# SQLite, in the same run, on loopback. Prints a Markdown table on stdout; progress goes to stderr.
#   scripts/bench-replicas.sh [--rounds N] [--duration SECONDS]
# wrk (1 thread, 32 connections) on an entry page and on POST /api/v1/label, N rounds alternating the setups,
# medians of requests/s and p99. Everything shares this machine's cores: the replicas, PostgreSQL, nginx and wrk.
# Needs: swift build -c release --product rumorctl; Debian's wrk, nginx and postgresql (installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-lib.sh
parse_bench_options bench-replicas.sh "$@"
prepare_bench wrk nginx psql:postgresql
admin=$(RUMORCONTROL_PG_PORT=54339 RUMORCONTROL_PG_DATA="$work/postgres" scripts/postgres.sh start)
database="${admin%/postgres*}/bench?sslmode=disable"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    [[ -f "$work/nginx.pid" ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    RUMORCONTROL_PG_PORT=54339 RUMORCONTROL_PG_DATA="$work/postgres" scripts/postgres.sh stop 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
psql -q "$admin" -c "CREATE DATABASE bench" >&2

start_server() {
    local port=$1 database=$2 name=$3
    # Replicas name themselves by the proxy's address, so they share one log origin and key.
    "$binary" serve --port "$port" --database "$database" --log-key "$work/$name.key" --site-url http://127.0.0.1:18210 \
        --label-rate-limit 0 2>"$work/$name.log" &
    pids+=($!)
}
start_server 18211 "$database" replica
wait_ready 18211 "$work/replica.log"
cp "$work/replica.key" "$work/replica-2.key"
start_server 18212 "$database" replica-2
start_server 18213 "$work/single.sqlite" single
wait_ready 18212 "$work/replica-2.log"
wait_ready 18213 "$work/single.log"

cat > "$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    upstream replicas { server 127.0.0.1:18211; server 127.0.0.1:18212; keepalive 64; }
    server {
        listen 127.0.0.1:18210;
        location / {
            proxy_pass http://replicas;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
        }
    }
}
CONF
nginx -c "$work/nginx.conf" -p "$work"
sleep 0.5
write_label_script
slug=machines-switched-votes
curl -fs "http://127.0.0.1:18210/rumors/$slug" >/dev/null || { echo "bench-replicas: nginx does not reach the replicas" >&2; exit 1; }

declare -A results
targets=("entry page, 2 replicas on PostgreSQL behind nginx|http://127.0.0.1:18210/rumors/$slug|"
         "entry page, 1 server on SQLite|http://127.0.0.1:18213/rumors/$slug|"
         "POST /api/v1/label, 2 replicas on PostgreSQL behind nginx|http://127.0.0.1:18210/api/v1/label|$work/label.lua"
         "POST /api/v1/label, 1 server on SQLite|http://127.0.0.1:18213/api/v1/label|$work/label.lua")
for round in $(seq 1 "$rounds"); do
    for target in "${targets[@]}"; do
        IFS='|' read -r name url script <<<"$target"
        echo "bench-replicas: round $round: $name" >&2
        results[$name]+="$(measure "$url" "$script");"
    done
done

# How fast a replica follows a change made elsewhere: import a new entry into the shared database (recorded as a
# publish on any replica would be) and time, from the import's commit, until the second replica labels a post
# that states it. Median of 5 entries.
echo "bench-replicas: propagation" >&2
propagation=$(python3 - "$binary" "$database" 18212 "$work" <<'PY'
import json, statistics, subprocess, sys, time, urllib.request
binary, database, port, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
template = json.load(open("kb/trump-won.json"))
delays = []
for index in range(5):
    entry = dict(template, slug=f"bamboo-ballots-{index}", title=f"Bamboo fibres in ballots, claim {index}",
                 rumor=f"Ballots in county {index} contain bamboo fibres, proving they were printed in Asia and flown in.",
                 phrasings=[f"Auditors found bamboo in the ballot paper of county {index}, so the ballots came from China.",
                            f"Bamboo fibres in county {index} ballots prove they were flown in from Asia.",
                            f"County {index} ballots were printed on bamboo paper overseas."],
                 keywords=["bamboo", "ballot paper"])
    path = f"{work}/entry-{index}.json"
    json.dump(entry, open(path, "w"))
    subprocess.run([binary, "import", path, "--database", database], check=True, stdout=subprocess.DEVNULL)
    start = time.monotonic()
    while time.monotonic() - start < 30:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/label", data=json.dumps({"text": entry["rumor"]}).encode(),
                                         headers={"Content-Type": "application/json"})
        if entry["slug"] in urllib.request.urlopen(request).read().decode():
            break
        time.sleep(0.005)
    delays.append(time.monotonic() - start)
print(f"{statistics.median(delays) * 1000:.0f} {max(delays) * 1000:.0f}")
PY
)

python3 - "$rounds" <<PY
import statistics, sys
rows = {}
$(for target in "${targets[@]}"; do IFS='|' read -r name _ _ <<<"$target"; echo "rows['$name'] = '${results[$name]}'"; done)
def parse(text):
    pairs = [tuple(map(float, item.split())) for item in text.split(";") if item.strip()]
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)
print(f"| target | requests/s (median of {sys.argv[1]}) | p99 ms |")
print("|---|---|---|")
for name, text in rows.items():
    rate, p99 = parse(text)
    print(f"| {name} | {rate:,.0f} | {p99:.2f} |")
PY
read -r median worst <<<"$propagation"
echo
echo "A change committed through another process reaches the second replica's labels in $median ms (median of 5; worst $worst ms)."
