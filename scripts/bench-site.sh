#!/usr/bin/env bash
# The site benchmark: `rumorctl serve` (release build) against nginx serving the same entry page as a static
# file, in the same run, on loopback. Prints a Markdown table on stdout.
#   scripts/bench-site.sh [--rounds N] [--duration SECONDS]
# Throughput: wrk, 1 thread, 32 connections, N rounds alternating the servers, median requests/s and p99.
# Latency at a fixed rate: hey at 1,000 requests/s (10 connections x 100/s) for the entry page, p99.
# Needs: swift build -c release; Debian's wrk, hey and nginx (installed here when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-lib.sh
parse_bench_options bench-site.sh "$@"
prepare_bench wrk hey nginx
app_port=18181
nginx_port=18182
cleanup() {
    [[ -n "${app_pid:-}" ]] && kill "$app_pid" 2>/dev/null || true
    [[ -f "$work/nginx.pid" ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

"$binary" serve --port "$app_port" --database "$work/bench.sqlite" --label-rate-limit 0 2>"$work/serve.log" &
app_pid=$!
wait_ready "$app_port" "$work/serve.log"

slug=machines-switched-votes
mkdir -p "$work/static/rumors"
curl -fs "http://127.0.0.1:$app_port/rumors/$slug" > "$work/static/rumors/$slug.html"
chmod -R a+rX "$work/static"
cat > "$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    server {
        listen 127.0.0.1:$nginx_port;
        root $work/static;
        location /rumors/ { default_type "text/html; charset=utf-8"; try_files \$uri.html =404; etag on; }
    }
}
CONF
nginx -c "$work/nginx.conf" -p "$work"
sleep 0.5
curl -fs "http://127.0.0.1:$nginx_port/rumors/$slug" | cmp -s - "$work/static/rumors/$slug.html" || { echo "bench-site: nginx does not serve the page" >&2; exit 1; }

write_label_script

declare -A results
targets=("nginx static entry page|http://127.0.0.1:$nginx_port/rumors/$slug|"
         "rumorcontrol entry page|http://127.0.0.1:$app_port/rumors/$slug|"
         "rumorcontrol home page|http://127.0.0.1:$app_port/|"
         "rumorcontrol GET /api/v1/entries/{slug}|http://127.0.0.1:$app_port/api/v1/entries/$slug|"
         "rumorcontrol POST /api/v1/label|http://127.0.0.1:$app_port/api/v1/label|$work/label.lua")
for round in $(seq 1 "$rounds"); do
    for target in "${targets[@]}"; do
        IFS='|' read -r name url script <<<"$target"
        echo "bench-site: round $round: $name" >&2
        results[$name]+="$(measure "$url" "$script");"
    done
done

# Latency at 1,000 requests/s, entry page, both servers.
fixed_rate() {
    hey -z "${duration}s" -c 10 -q 100 "$1" | python3 -c '
import re, sys
text = sys.stdin.read()
p99 = float(re.search(r"99% in ([\d.]+) secs", text).group(1)) * 1000
rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
print(rate, p99)'
}
echo "bench-site: fixed rate" >&2
nginx_fixed=$(fixed_rate "http://127.0.0.1:$nginx_port/rumors/$slug")
app_fixed=$(fixed_rate "http://127.0.0.1:$app_port/rumors/$slug")

python3 - "$rounds" "$nginx_fixed" "$app_fixed" <<PY
import statistics, sys
rows = {}
$(for target in "${targets[@]}"; do IFS='|' read -r name _ _ <<<"$target"; echo "rows['$name'] = '${results[$name]}'"; done)
def parse(text):
    pairs = [tuple(map(float, item.split())) for item in text.split(";") if item.strip()]
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)
nginx_rate = parse(rows["nginx static entry page"])[0]
print(f"| target | requests/s (median of {sys.argv[1]}) | vs nginx | p99 ms |")
print("|---|---|---|---|")
for name, text in rows.items():
    rate, p99 = parse(text)
    print(f"| {name} | {rate:,.0f} | {rate / nginx_rate:.2f}x | {p99:.2f} |")
print()
print("| at a fixed 1,000 requests/s (hey, 10 connections, entry page) | achieved requests/s | p99 ms |")
print("|---|---|---|")
for name, values in (("nginx", sys.argv[2]), ("rumorcontrol", sys.argv[3])):
    rate, p99 = map(float, values.split())
    print(f"| {name} | {rate:,.0f} | {p99:.2f} |")
PY
