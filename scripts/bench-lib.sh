# Shared by the load benchmarks (source it): options, tools, wrk runs and the label request body.

# Sets $rounds and $duration from --rounds N and --duration SECONDS (defaults 3 and 10); $1 is the script's name.
parse_bench_options() {
    local name=$1
    shift
    rounds=3
    duration=10
    while (($#)); do
        case "$1" in
            --rounds) rounds="$2"; shift 2 ;;
            --duration) duration="$2"; shift 2 ;;
            *) echo "usage: scripts/$name [--rounds N] [--duration SECONDS]" >&2; exit 2 ;;
        esac
    done
}

# Installs Debian's packages for the commands named (command:package, or a command that is its package's name)
# when missing, and checks that the release build exists; sets $binary and $work (a scratch folder).
prepare_bench() {
    local entry command package sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    for entry in "$@"; do
        command=${entry%%:*}
        package=${entry#*:}
        command -v "$command" >/dev/null || $sudo apt-get install -y -q "$package" >&2
    done
    binary=.build/release/rumorctl
    [[ -x "$binary" ]] || { echo "benchmark: build first: swift build -c release --product rumorctl" >&2; exit 1; }
    work=$(mktemp -d)
    chmod 755 "$work"
}

# Writes the wrk script that POSTs one label request, to $work/label.lua.
write_label_script() {
    cat > "$work/label.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"text": "Dominion machines switched votes from Trump to Biden in Michigan, and dead people voted too"}'
LUA
}

# One wrk run (1 thread, 32 connections, $duration s): prints "requests_per_s p99_ms"; fails on error responses.
measure() {
    local url=$1 script=${2:-}
    local args=(-t1 -c32 "-d${duration}s" --latency)
    [[ -n "$script" ]] && args+=(-s "$script")
    wrk "${args[@]}" "$url" | python3 -c '
import re, sys
text = sys.stdin.read()
rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", text).groups()
p99 = float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
if errors: sys.exit(f"benchmark: {errors.group(1)} error responses from {sys.argv[1]}")
print(rate, p99)' "$url"
}

# Waits up to 5 minutes for a server's /readyz (the matcher loaded).
wait_ready() {
    local port=$1 log=$2
    for _ in $(seq 1 3000); do
        curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "benchmark: the server on port $port did not become ready" >&2
    cat "$log" >&2
    return 1
}
