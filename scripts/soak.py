#!/usr/bin/env python3
"""The soak run: `rumorctl serve` on a throwaway database, driven on loopback at a fixed rate for a fixed time.

    scripts/soak.py [--binary .build/release/rumorctl] [--duration 600] [--scale 1.0]

At scale 1 it sends, every second: 100 entry pages, 20 searches, 20 label requests and 2 batch label requests of
10 posts each (about 142 requests/s, 60 posts/s through the matcher). The schedule is open-loop: each request has
a planned start time, and its latency is counted from that time, so a server that stalls is not flattered by
requests that were never sent. The server's resident memory is sampled every 10 seconds.

It stops by itself after --duration seconds, prints a Markdown summary on stdout (progress goes to stderr), and
exits 1 when any request got a 5xx, failed to connect or timed out. Loopback only; it needs nothing but Python.
"""
import argparse
import http.client
import json
import os
import queue
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

SEARCHES = [
    "sharpie ballots", "dead people voting", "voting machines", "poll watchers", "late ballots",
    "ballots found in a dumpster", "more votes than voters", "mail ballots", "signature verification",
    "election was stolen", "software switched votes", "counting stopped overnight",
]
NEUTRAL_POSTS = [
    "Polls close at 8pm tonight, check your county's website for your polling place.",
    "Great turnout at the library this morning, the line moved fast.",
    "Reminder: the city council meeting moved to Thursday.",
    "Our volunteers will be at the community center handing out water.",
    "The weather looks rainy for election day, bring an umbrella to vote.",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=".build/release/rumorctl", help="the rumorctl to run (default: the release build)")
    parser.add_argument("--duration", type=float, default=600, help="seconds of load (default 600)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every rate (default 1)")
    parser.add_argument("--port", type=int, default=18191)
    parser.add_argument("--workers", type=int, default=32, help="client threads, each with its own connection")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"soak: {args.binary} is not there; build it first: swift build -c release --product rumorctl")

    work = tempfile.mkdtemp(prefix="rumorcontrol-soak-")
    server_log = open(os.path.join(work, "serve.log"), "w")
    server = subprocess.Popen(
        [args.binary, "serve", "--host", "127.0.0.1", "--port", str(args.port), "--database", os.path.join(work, "soak.sqlite"),
         "--label-rate-limit", "0"],
        stdout=subprocess.DEVNULL, stderr=server_log)
    try:
        wait_ready(args.port, server)
        return soak(args, server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        server_log.close()
        shutil.rmtree(work, ignore_errors=True)


def wait_ready(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("soak: the server exited before it was ready")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit("soak: the server was not ready (model loaded) within 300 s")


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def soak(args, pid: int) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=10)
    connection.request("GET", "/api/v1/entries")
    entries = json.loads(connection.getresponse().read())["entries"]
    slugs = [entry["slug"] for entry in entries]
    rumor_posts = [entry["rumor"] for entry in entries]
    posts = rumor_posts + NEUTRAL_POSTS
    rng = random.Random(2020)

    def entry_page():
        return "GET", "/rumors/" + rng.choice(slugs), None, {}

    def search():
        return "GET", "/search?" + urllib.parse.urlencode({"q": rng.choice(SEARCHES)}), None, {}

    def label():
        body = json.dumps({"text": rng.choice(posts)})
        return "POST", "/api/v1/label", body, {"Content-Type": "application/json"}

    def batch():
        body = "".join(json.dumps({"id": index, "text": rng.choice(posts)}) + "\n" for index in range(10))
        return "POST", "/api/v1/label/batch", body, {"Content-Type": "application/x-ndjson"}

    kinds = {"entry page": (entry_page, 100), "search": (search, 20), "label": (label, 20), "batch label (10 posts)": (batch, 2)}
    tickets: queue.Queue = queue.Queue()
    results = {name: [] for name in kinds}
    failures = {name: 0 for name in kinds}
    server_errors = {name: 0 for name in kinds}
    lock = threading.Lock()

    def worker():
        connection = None
        while True:
            ticket = tickets.get()
            if ticket is None:
                return
            name, planned, (method, path, body, headers) = ticket
            delay = planned - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            status = 0
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection = None
            latency = time.monotonic() - planned
            with lock:
                if status == 0:
                    failures[name] += 1
                elif status >= 500:
                    server_errors[name] += 1
                results[name].append((latency, status))

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.workers)]
    for thread in threads:
        thread.start()

    rss = [(0.0, rss_kib(pid))]
    start = time.monotonic() + 0.5
    next_sample = 10.0
    plans = {name: [0.0, 1.0 / (rate * args.scale)] for name, (_, rate) in kinds.items() if rate * args.scale > 0}
    interactive = sys.stderr.isatty()
    while True:
        now = time.monotonic() - start
        if now >= args.duration:
            break
        # Hand out every ticket due in the next 100 ms.
        for name, plan in plans.items():
            while plan[0] < min(now + 0.1, args.duration):
                tickets.put((name, start + plan[0], kinds[name][0]()))
                plan[0] += plan[1]
        if now >= next_sample:
            rss.append((now, rss_kib(pid)))
            next_sample += 10
            if interactive:
                done = sum(len(values) for values in results.values())
                print(f"\rsoak: {now:5.0f}/{args.duration:.0f} s, {done} requests, RSS {rss[-1][1] / 1024:.0f} MiB", end="", file=sys.stderr)
        time.sleep(0.02)
    for _ in threads:
        tickets.put(None)
    for thread in threads:
        thread.join(timeout=60)
    rss.append((args.duration, rss_kib(pid)))
    if interactive:
        print(file=sys.stderr)

    def percentile(values, fraction):
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")

    total = sum(len(values) for values in results.values())
    print(f"Soak: {args.duration:.0f} s at scale {args.scale:g}, {total} requests, "
          f"{sum(server_errors.values())} 5xx, {sum(failures.values())} failed connections or timeouts\n")
    print("| requests | sent | per second | 5xx | failed | p50 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, values in results.items():
        latencies = [latency * 1000 for latency, _ in values]
        print(f"| {name} | {len(values)} | {len(values) / args.duration:.1f} | {server_errors[name]} | {failures[name]} | "
              f"{percentile(latencies, 0.5):.1f} | {percentile(latencies, 0.99):.1f} | {max(latencies, default=float('nan')):.1f} |")
    all_latencies = [latency * 1000 for values in results.values() for latency, _ in values]
    print(f"| all | {total} | {total / args.duration:.1f} | {sum(server_errors.values())} | {sum(failures.values())} | "
          f"{percentile(all_latencies, 0.5):.1f} | {percentile(all_latencies, 0.99):.1f} | {max(all_latencies, default=float('nan')):.1f} |")
    print()
    peak = max(value for _, value in rss)
    print(f"Server RSS: {rss[0][1] / 1024:.1f} MiB at the start (model loaded), {rss[-1][1] / 1024:.1f} MiB at the end, "
          f"{peak / 1024:.1f} MiB at most; samples every 10 s: " + ", ".join(f"{value / 1024:.0f}" for _, value in rss))
    unexpected = [(name, status) for name, values in results.items() for _, status in values if status and status not in (200,)]
    if unexpected:
        print(f"\nUnexpected statuses: {sorted(set(unexpected))[:10]}")
    return 1 if sum(server_errors.values()) or sum(failures.values()) or unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
