#!/usr/bin/env python3
"""Load benchmark: the release build on a generated province, driven by wrk
from 127.0.0.1. Prints requests per second, p50 and p99 latency per page, the
ratio of each to GET /healthz (the ceiling) and to the dashboard's aggregate
run as raw SQL in the database's own client (the floor), and the server's
peak memory. See docs/performance.md.

    python3 bench/bench.py sqlite            # or: postgres
    python3 bench/bench.py sqlite --scale 0.1 --duration 5
"""

import argparse
import gzip
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import date
from http.cookiejar import CookieJar

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSWORD = "mo-phong-2026"
PORT = 18090
BASE = f"http://127.0.0.1:{PORT}"
# The visits the POST step logs go to this many of the team member's households in turn.
POST_HOUSEHOLDS = 50

# PostgreSQL on this host: through its Unix socket when it has one, as an app
# on the same server would connect (no TCP or TLS on each round trip).
PG_SOCKET = "/var/run/postgresql"


def pg_admin_url():
    if "BENCH_PG" in os.environ:
        return os.environ["BENCH_PG"]
    if os.path.exists(os.path.join(PG_SOCKET, ".s.PGSQL.5432")):
        return "postgres://postgres@" + urllib.parse.quote(PG_SOCKET, safe="")
    return "postgres://postgres@127.0.0.1:5432"


# The dashboard's heaviest aggregate, as the app runs it for the whole province:
# households by consented set and stage, added up from the per-task totals the
# triggers keep.
FLOOR_SQL = (
    "SELECT t.consented_stages, h.stage, sum(h.households), sum(h.area_m2) "
    "FROM household_stage_totals h JOIN tasks t ON t.id = h.task_id "
    "JOIN units u ON u.id = t.unit_id "
    "WHERE u.path LIKE '/1/%' AND h.households > 0 GROUP BY t.consented_stages, h.stage"
)
# The same figures counted from every household, as before the totals.
RECOUNT_SQL = (
    "SELECT t.consented_stages, h.stage, count(*), sum(h.area_m2) "
    "FROM households h JOIN tasks t ON t.id = h.task_id JOIN units u ON u.id = t.unit_id "
    "WHERE u.path LIKE '/1/%' GROUP BY t.consented_stages, h.stage"
)


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, **kw)


def target_dir():
    return os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))


def build():
    if os.environ.get("BENCH_BINARY"):
        # A release binary built beforehand (a copy, so that edits made
        # meanwhile neither rebuild nor change what is measured).
        return os.environ["BENCH_BINARY"]
    print("== cargo build --release", flush=True)
    sh(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    return os.path.join(target_dir(), "release", "danvan")


def database(args, binary):
    """The generated database for this scale, made once and kept."""
    tag = str(args.scale).replace(".", "_")
    env = dict(os.environ, DAILY_HOUR="off")
    if args.backend == "sqlite":
        folder = os.path.join(target_dir(), "bench")
        os.makedirs(folder, exist_ok=True)
        url = os.path.join(folder, f"province-{tag}.sqlite3")
        ready = os.path.exists(url + ".done")
        if not ready:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(url + suffix):
                    os.remove(url + suffix)
    else:
        admin = pg_admin_url()
        name = f"danvan_bench_{tag}"
        url = f"{admin}/{name}"
        exists = subprocess.run(
            ["psql", f"{admin}/postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{name}'"],
            capture_output=True, text=True, check=True).stdout.strip() == "1"
        ready = exists and subprocess.run(
            ["psql", url, "-tAc", "SELECT count(*) FROM notification_keys WHERE key = 'bench:generated'"],
            capture_output=True, text=True).stdout.strip() == "1"
        if not ready:
            if exists:
                sh(["psql", f"{admin}/postgres", "-qc", f"DROP DATABASE {name} WITH (FORCE)"])
            sh(["psql", f"{admin}/postgres", "-qc", f"CREATE DATABASE {name}"])
    if not ready:
        print(f"== generating scale {args.scale} into {url}", flush=True)
        sh([binary, "generate", "--scale", str(args.scale), "--seed", "2026"],
           env=dict(env, DATABASE_URL=url, DATA_DIR=tempfile.mkdtemp()))
        if args.backend == "sqlite":
            open(url + ".done", "w").close()
        else:
            sh(["psql", url, "-qc",
                "INSERT INTO notification_keys VALUES ('bench:generated', now())"])
    return url


def start_server(binary, url, data_dir):
    env = dict(os.environ,
               DATABASE_URL=url, DATA_DIR=data_dir, BIND_ADDR=f"127.0.0.1:{PORT}",
               SESSION_KEY="ab" * 64, DAILY_HOUR="off", OUTBOX_WORKER="false",
               RUST_LOG="warn", WORKERS="2", DB_POOL_SIZE=os.environ.get("BENCH_POOL", "4"),
               LOGIN_MAX_FAILURES_PER_IP="100000")
    proc = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(data_dir, "server.log"), "w"))
    for _ in range(300):
        try:
            urllib.request.urlopen(BASE + "/healthz", timeout=1)
            return proc
        except Exception:
            if proc.poll() is not None:
                sys.exit(f"the server stopped: see {data_dir}/server.log")
            time.sleep(0.1)
    sys.exit("the server did not answer /healthz")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def session(username):
    """Logs in; returns the Cookie header and a CSRF token for forms."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    page = opener.open(BASE + "/login").read().decode()
    token = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"_csrf": token, "username": username, "password": PASSWORD})
    try:
        opener.open(BASE + "/login", data.encode())
    except urllib.error.HTTPError as e:
        if e.code != 303:
            raise
    page = opener.open(BASE + "/account").read().decode()
    token = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    # The cookie as it stands after the token was put in the session.
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, token


def fetch(cookie, path):
    req = urllib.request.Request(BASE + path, headers={"Cookie": cookie})
    return urllib.request.urlopen(req).read().decode()


def map_weight(cookie, path, runs=10):
    """One request at a time: the median and slowest time of the page, and
    its size as sent compressed (gzip) and as HTML."""
    times = []
    for _ in range(runs):
        req = urllib.request.Request(BASE + path, headers={"Cookie": cookie, "Accept-Encoding": "gzip"})
        started = time.monotonic()
        with urllib.request.urlopen(req) as r:
            body = r.read()
            encoding = r.headers.get("Content-Encoding", "")
        times.append((time.monotonic() - started) * 1000)
    times.sort()
    html = gzip.decompress(body) if encoding == "gzip" else body
    return times[len(times) // 2], times[-1], len(body), len(html), html.decode().count("<path class=")


def post_form(cookie, path, body):
    req = urllib.request.Request(BASE + path, data=body.encode(), headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    return urllib.request.urlopen(req).read()


def wrk(path, cookie, duration, connections, post=None):
    """Runs wrk; returns (rps, p50 ms, p99 ms, errors)."""
    script = None
    threads = min(2, connections)
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    if post is not None:
        # One (path, body) pair per household, taken in turn by each connection,
        # as field teams log visits on different households.
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        quoted = ",\n".join(f"{{{lua(p)}, {lua(b)}}}" for p, b in post)
        script.write(f"local posts = {{\n{quoted}\n}}\n"
                     "local i = math.random(#posts)\n"
                     'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
                     "request = function()\n"
                     "  i = i % #posts + 1\n"
                     '  return wrk.format("POST", posts[i][1], nil, posts[i][2])\n'
                     "end\n")
        script.close()
        cmd += ["-s", script.name]
    out = subprocess.run(cmd + [BASE + path], capture_output=True, text=True, check=True).stdout
    if script:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p):
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v

    errors = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    return rps, pct(50), pct(99), errors


def lua(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def floor_ms(backend, url, runs=20, sql=FLOOR_SQL):
    """Mean time of the dashboard aggregate in the database's own client."""
    if backend == "sqlite":
        script = ".timer on\n" + "\n".join([sql + ";"] * runs) + "\n"
        out = subprocess.run(["sqlite3", url], input=script, capture_output=True,
                             text=True, check=True).stdout
        times = [float(t) * 1000 for t in re.findall(r"Run Time: real ([\d.]+)", out)]
    else:
        script = "\\timing on\n" + "\n".join([sql + ";"] * runs) + "\n"
        out = subprocess.run(["psql", url, "-q"], input=script, capture_output=True,
                             text=True, check=True).stdout
        times = [float(t) for t in re.findall(r"Time: ([\d.]+) ms", out)]
    times = times[2:] or times  # warm
    return sum(times) / len(times)


def stage_of(page):
    """The stage the visit form proposes (the household's own)."""
    m = re.search(r'name="stage_after".*?<option value="([a-z_]+)" selected', page, re.S)
    return m.group(1) if m else "considering"


def check_post(path, cookie, body):
    req = urllib.request.Request(BASE + path, data=body.encode(), headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    try:
        opener = urllib.request.build_opener(NoRedirect)
        opener.open(req)
    except urllib.error.HTTPError as e:
        if e.code != 303:
            sys.exit(f"POST {path} answered {e.code}: {e.read()[:2000]!r}")


def status_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def peak_kb(pid):
    return status_kb(pid, "VmHWM")


class AnonPeak(threading.Thread):
    """The server's peak private (anonymous) memory, sampled every 50 ms: the
    kernel's VmHWM also counts pages of the database file that SQLite maps,
    which are the page cache's and dropped under pressure."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def run(self):
        while not self.stop.wait(0.05):
            try:
                self.peak = max(self.peak, status_kb(self.pid, "RssAnon"))
            except OSError:
                return


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("backend", choices=["sqlite", "postgres"])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--redmine", action="store_true",
                    help="then Redmine's issue list in the same session (bench/redmine.py, as root)")
    ap.add_argument("--only", default="",
                    help="run only the pages whose label contains one of these comma-separated words")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    binary = build()
    url = database(args, binary)
    data_dir = tempfile.mkdtemp(prefix="danvan-bench-")
    server = start_server(binary, url, data_dir)
    try:
        run(args, url, server)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def run(args, url, server):
    admin, admin_csrf = session("admin")
    ward, _ = session("capuy0")
    # The big task's public page, switched on as its committee would.
    check_post("/tasks/1/public", admin, urllib.parse.urlencode({"_csrf": admin_csrf, "enabled": "true"}))
    public = re.search(r'href="(/p/[a-z0-9]+)"', fetch(admin, "/tasks/1")).group(1)
    team, csrf = session("totac0.1")
    # What the pages are about: the big task, the team member's households, a word to search.
    due = fetch(team, "/visits/due")
    households = list(dict.fromkeys(re.findall(r'href="/households/(\d+)', due)))[:POST_HOUSEHOLDS]
    household = households[0] if households else "1"
    round_id = re.search(r'href="/reviews/(\d+)"', fetch(admin, "/reviews")).group(1)
    today = date.today().strftime("%d/%m/%Y")
    posts = []
    for h in households or [household]:
        path = f"/households/{h}/visits"
        body = urllib.parse.urlencode({
            "_csrf": csrf, "visited_on": today, "kind": "door_to_door",
            "household_said": "Gia đình đồng ý, hẹn ký biên bản.",
            "stage_after": stage_of(fetch(team, f"/households/{h}")),
            "reason": "Thăm hỏi định kỳ", "next_step": "", "next_visit_on": "",
        })
        check_post(path, team, body)
        posts.append((path, body))
    pages = [
        ("GET /healthz (ceiling)", "/healthz", None, None),
        ("login page", "/login", None, None),
        ("dashboard, province", "/dashboard", admin, None),
        ("dashboard, ward", "/dashboard", ward, None),
        ("task list, default", "/tasks", admin, None),
        ("task list, filtered", "/tasks?status=in_progress&q=duong", admin, None),
        ("task page, 1,000 households", "/tasks/1", admin, None),
        ("map of the task, 1,000 parcels", "/tasks/1/map", admin, None),
        ("public page of the task, no login", public, None, None),
        ("household page", f"/households/{household}", team, None),
        ("visits due (worklist)", "/visits/due", team, None),
        (f"review results, {args.scale * 10_000:.0f} tasks", f"/reviews/{round_id}/results", admin, None),
        ("search", "/search?q=nguyen+van", admin, None),
        # Last: every visit is a change, after which cached figures are recomputed.
        (f"POST a visit ({len(posts)} households in turn)", posts[0][0], team, posts),
    ]
    if args.only:
        words = [w.strip() for w in args.only.split(",") if w.strip()]
        pages = [p for p in pages if p[0].startswith("GET /healthz") or any(w in p[0] for w in words)]
    floor = floor_ms(args.backend, url)
    # The first dashboard and round results after a change are computed, then
    # served from the cache until the next change: time that once, cold.
    cold = {}
    for label, path, cookie, post in pages:
        if post is None:
            started = time.monotonic()
            fetch(cookie, path) if cookie else urllib.request.urlopen(BASE + path).read()
            cold[label] = (time.monotonic() - started) * 1000
    # The dashboard alone, one request at a time, against the raw aggregate.
    _, solo_p50, _, _ = wrk("/dashboard", admin, max(3, args.duration // 2), 1)
    drawn = map_weight(admin, "/tasks/1/map") if any(p[1] == "/tasks/1/map" for p in pages) else None
    rows = []
    anon = AnonPeak(server.pid)
    anon.start()
    for label, path, cookie, post in pages:
        rps, p50, p99, errors = wrk(path, cookie, args.duration, args.connections, post)
        rows.append((label, rps, p50, p99, errors))
        print(f"  {label}: {rps:.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms, errors {errors}, "
              f"peak memory so far {peak_kb(server.pid) / 1024:.0f} MB "
              f"(private {anon.peak / 1024:.0f} MB)", flush=True)
    # At 8 a.m. field teams log visits while officials open the dashboard:
    # every visit is a change, so the next province dashboard is computed
    # afresh. Time that, right after each of ten visits.
    after_visit = []
    for path, body in posts[:10]:
        post_form(team, path, body)
        started = time.monotonic()
        fetch(admin, "/dashboard")
        after_visit.append((time.monotonic() - started) * 1000)
    after_visit.sort()
    # The pages again once the POST step has added its rows (tens of
    # thousands of visits and audit entries): the planner's statistics must
    # have followed the data on every pooled connection.
    again = [p for p in pages if p[3] is None and p[2] is not None
             and any(w in p[0] for w in ("task list", "task page", "household page", "worklist", "dashboard"))]
    if again:
        # The background thread refreshes the statistics once a minute.
        time.sleep(65)
    for label, path, cookie, _ in again:
        rps, p50, p99, errors = wrk(path, cookie, args.duration, args.connections)
        label = f"{label}, after the POST step"
        rows.append((label, rps, p50, p99, errors))
        print(f"  {label}: {rps:.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms, errors {errors}",
              flush=True)
    synced = sync_batch(households or [household]) if not args.only or "sync" in args.only else None
    recount = floor_ms(args.backend, url, runs=5, sql=RECOUNT_SQL)
    ceiling = rows[0][1]
    peak = peak_kb(server.pid) / 1024
    print()
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print(f"Benchmark {date.today():%d/%m/%Y}, {args.backend}, scale {args.scale}, "
          f"{args.connections} connections, {args.duration} s each, "
          f"{os.cpu_count()} cores ({platform()}), load average {load} at the end, "
          f"/healthz ceiling {ceiling:,.0f} req/s"
          + (f", DATABASE_URL {url}" if args.backend == "postgres" else ""))
    print("| page | first request ms | req/s | p50 ms | p99 ms | errors | req/s vs /healthz | p50 vs raw SQL |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, rps, p50, p99, errors in rows:
        first = f"{cold[label]:.0f}" if label in cold else "–"
        print(f"| {label} | {first} | {rps:,.0f} | {p50:.1f} | {p99:.1f} | {errors} | "
              f"{rps / ceiling:.3f} | {p50 / floor:.2f}× |")
    print(f"\nRaw dashboard aggregate in {'sqlite3' if args.backend == 'sqlite' else 'psql'}: "
          f"{floor:.1f} ms; the dashboard page alone (1 connection): p50 {solo_p50:.1f} ms "
          f"= {solo_p50 / floor:.2f}× the raw SQL.")
    print(f"Province dashboard right after a visit (computed afresh, 10 times): median "
          f"{after_visit[len(after_visit) // 2]:.1f} ms, slowest {after_visit[-1]:.1f} ms; the same "
          f"figures counted from every household in the database's client: {recount:.1f} ms.")
    if drawn:
        median, slowest, sent, html, parcels = drawn
        print(f"Map of the task with 1,000 households ({parcels} parcels drawn), one request at a "
              f"time: median {median:.1f} ms, slowest {slowest:.1f} ms of 10; {sent / 1024:.0f} KB "
              f"sent compressed ({html / 1024:.0f} KB of HTML).")
    if synced:
        first, again_ms = synced
        print(f"A batch of {len(first)} visits synced from a phone (each posted as the phone's "
              f"script posts it, with its device id, and its redirect followed; one after "
              f"another): {sum(first) / 1000:.2f} s in all, median {first[len(first) // 2]:.1f} ms, "
              f"slowest {first[-1]:.1f} ms a visit; the same batch sent again (each already "
              f"stored, stored once): {sum(again_ms) / 1000:.2f} s, median "
              f"{again_ms[len(again_ms) // 2]:.1f} ms.")
    if args.redmine:
        against_redmine(args, rows)
    anon.stop.set()
    print(f"Server peak memory: {anon.peak / 1024:.0f} MB private (RssAnon); {peak:.0f} MB resident "
          f"(VmHWM; on SQLite it also counts the pages of the database file the server maps)")


def sync_batch(households, size=50):
    """A phone back in signal sends the visits it kept, one after another,
    each with the id it made for it, following each redirect as fetch()
    does; then the same batch again (a resend after a lost answer). Returns
    the sorted times (ms) of each visit, first and second sending."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(BASE + "/login").read().decode()
    token = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    opener.open(BASE + "/login", urllib.parse.urlencode(
        {"_csrf": token, "username": "totac0.2", "password": PASSWORD}).encode()).read()
    due = opener.open(BASE + "/visits/due").read().decode()
    mine = list(dict.fromkeys(re.findall(r'href="/households/(\d+)', due)))
    token = re.search(r'name="_csrf" value="([^"]+)"', due) or re.search(
        r'name="_csrf" value="([^"]+)"', opener.open(BASE + "/account").read().decode())
    token = token.group(1)
    batch = []
    stamp = int(time.time())
    for i in range(size):
        h = mine[i % len(mine)] if mine else households[i % len(households)]
        stage = stage_of(opener.open(f"{BASE}/households/{h}").read().decode())
        batch.append((f"/households/{h}/visits", urllib.parse.urlencode({
            "_csrf": token, "visited_on": date.today().strftime("%d/%m/%Y"),
            "kind": "door_to_door", "household_said": "Ghi khi không có sóng, gửi sau.",
            "stage_after": stage, "reason": "", "next_step": "", "next_visit_on": "",
            "device_id": f"bench-{stamp}-{i:03}", "made_at": f"{date.today()}T07:{i % 60:02}:00+07:00",
        })))
    rounds = []
    for _ in range(2):
        times = []
        for path, body in batch:
            started = time.monotonic()
            opener.open(urllib.request.Request(BASE + path, data=body.encode(), headers={
                "Content-Type": "application/x-www-form-urlencoded"})).read()
            times.append((time.monotonic() - started) * 1000)
        rounds.append(sorted(times))
    return rounds[0], rounds[1]


def against_redmine(args, rows):
    """Redmine's default issue list in the same session (bench/redmine.py),
    and the task list's throughput as a multiple of it."""
    print("== Redmine in the same session (bench/redmine.py)", flush=True)
    out = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "redmine.py"),
                          "--duration", str(args.duration), "--connections", str(args.connections)],
                         capture_output=True, text=True)
    print(out.stdout)
    m = re.search(r"\(/issues\): ([\d.]+) req/s, p50 ([\d.]+) ms, p99 ([\d.]+) ms", out.stdout)
    if out.returncode != 0 or not m:
        print(f"Redmine did not run: {out.stderr[-2000:]}")
        return
    redmine = float(m.group(1))
    for label, rps, _, p99, _ in rows:
        if label.startswith("task list"):
            print(f"{label}: {rps:,.0f} req/s = {rps / redmine:,.0f}× Redmine's issue list "
                  f"({redmine:.1f} req/s, p99 {float(m.group(3)):,.0f} ms); p99 {p99:.1f} ms")


def platform():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


if __name__ == "__main__":
    main()
