#!/usr/bin/env python3
"""The Redmine comparison of issue 33: Debian's Redmine on SQLite with 10,000
issues, served by puma with two workers of five threads, its default issue
list driven by wrk from 127.0.0.1 with a logged-in session, as
bench/bench.py drives the app. Run as root (it installs packages and runs
Redmine as www-data). See docs/performance.md, "Against Redmine".

    python3 bench/redmine.py                     # 10 s at 16 connections
    python3 bench/redmine.py --duration 30 --project
    python3 bench/redmine.py --reset             # rebuild the data set

What it makes is kept for the next run: the packages, and a Redmine instance
named danvan-bench in Debian's multi-instance layout (/etc/redmine/danvan-bench,
/var/lib/redmine/danvan-bench with the SQLite file in db/, logs in
/var/log/redmine/danvan-bench). puma is stopped when the script ends, also on
an error or Ctrl-C.
"""

import argparse
import html
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date
from http.cookiejar import CookieJar

from bench import platform

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGES = ["redmine", "redmine-sqlite", "puma", "wrk"]
INSTANCE = "danvan-bench"
REDMINE = "/usr/share/redmine"
CONFIG = f"/etc/redmine/{INSTANCE}"
HOME = f"/var/lib/redmine/{INSTANCE}"
DB_DIR = f"{HOME}/db"
DB = f"{DB_DIR}/redmine.sqlite3"
SEEDED = f"{DB_DIR}/seeded"
LOG_DIR = f"/var/log/redmine/{INSTANCE}"
SETUP_LOG = f"{LOG_DIR}/setup.log"
ISSUES = 10_000
LOGIN = "admin"
PASSWORD = "redmine-bench-2026"
# Debian's own bundler: when another one is installed too, the package's
# set-up can stop on a gem it does not find; this one finds them.
FALLBACK_BUNDLER = "2.3.15"

# Counts the answers that are not 200 (a lost session is a 302 to /login,
# which wrk itself would count as a success).
STATUS_LUA = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not_ok = 0 end
function response(status, headers, body)
  if status ~= 200 then not_ok = not_ok + 1 end
end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("not_ok") end
  io.write(string.format("Not 200: %d\\n", n))
end
"""


def sh(cmd, **kw):
    print("$ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, text=True, **kw)


def package_version(name):
    out = subprocess.run(["dpkg-query", "-W", "-f", "${db:Status-Status} ${Version}", name],
                         capture_output=True, text=True)
    status, _, version = out.stdout.partition(" ")
    return version if out.returncode == 0 and status == "installed" else None


def bundler_version():
    version = package_version("ruby-bundler")
    return version.split("-")[0] if version else FALLBACK_BUNDLER


def install():
    """Installs what is missing, non-interactively; finishes a set-up that
    stopped half-way with Debian's own bundler, as issue 33 describes."""
    missing = [p for p in PACKAGES if package_version(p) is None]
    if not missing:
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    sh(["apt-get", "update", "-q"], env=env)
    cmd = ["apt-get", "install", "-y", "-q"] + PACKAGES
    if subprocess.run(cmd, env=env).returncode != 0:
        print("== the set-up stopped; configuring again with Debian's bundler", flush=True)
        sh(["dpkg", "--configure", "-a"], env=dict(env, BUNDLER_VERSION=bundler_version()))
        sh(cmd, env=env)
    missing = [p for p in PACKAGES if package_version(p) is None]
    if missing:
        sys.exit(f"not installed: {', '.join(missing)}")


def redmine_env(**extra):
    """The environment of every Redmine process: this instance, production."""
    env = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG": "C.UTF-8",
        # www-data's home (/var/www) usually does not exist; bundler wants one.
        "HOME": DB_DIR,
        "REDMINE_INSTANCE": INSTANCE,
        "RAILS_ENV": "production",
        "BUNDLER_VERSION": bundler_version(),
    }
    env.update(extra)
    return env


def as_www_data(cmd, **extra):
    """Runs a Redmine command as Debian's postinst does; its output goes to
    the instance's setup log and is shown only when it fails."""
    print(f"$ {' '.join(cmd)}  (as www-data, REDMINE_INSTANCE={INSTANCE})", flush=True)
    with open(SETUP_LOG, "a") as log:
        log.write(f"$ {' '.join(cmd)}\n")
        log.flush()
        done = subprocess.run(cmd, cwd=REDMINE, env=redmine_env(**extra), stdout=log,
                              stderr=subprocess.STDOUT, user="www-data", group="www-data",
                              extra_groups=[])
    if done.returncode != 0:
        with open(SETUP_LOG) as log:
            sys.stderr.write("".join(log.readlines()[-40:]))
        sys.exit(f"`{' '.join(cmd)}` failed (exit {done.returncode}): see {SETUP_LOG}")


def write_file(path, text, mode):
    with open(path, "w") as f:
        f.write(text)
    shutil.chown(path, "root", "www-data")
    os.chmod(path, mode)


def instance(reset):
    """The instance with its data set, made once and kept: migrations, the
    default data in English, then bench/redmine_seed.rb (admin password, a
    project, the issues)."""
    if os.path.exists(SEEDED) and not reset:
        print(f"== reusing the Redmine instance {INSTANCE} ({DB})", flush=True)
        return
    print(f"== making the Redmine instance {INSTANCE}", flush=True)
    sh([f"{REDMINE}/bin/redmine-instances", "create", INSTANCE])
    # As Debian's template writes it, plus a busy timeout: the two workers are
    # two processes and a session's token is touched once a minute.
    write_file(f"{CONFIG}/database.yml",
               "production:\n  adapter: sqlite3\n  database: " + DB +
               "\n  encoding: utf8\n  timeout: 5000\n", 0o640)
    if not os.path.exists(f"{CONFIG}/secret_key.txt"):
        write_file(f"{CONFIG}/secret_key.txt", os.urandom(16).hex() + "\n", 0o640)
    os.makedirs(DB_DIR, exist_ok=True)
    shutil.chown(DB_DIR, "www-data", "www-data")
    for name in os.listdir(DB_DIR):
        path = os.path.join(DB_DIR, name)
        if os.path.isfile(path):
            os.remove(path)
    started = time.monotonic()
    open(SETUP_LOG, "w").close()
    as_www_data(["bundle", "exec", "rake", "db:migrate"], SCHEMA="/dev/null")
    as_www_data(["bundle", "exec", "rake", "redmine:load_default_data"], REDMINE_LANG="en")
    seed = f"{DB_DIR}/redmine_seed.rb"
    shutil.copy(os.path.join(HERE, "redmine_seed.rb"), seed)
    os.chmod(seed, 0o644)
    as_www_data(["bundle", "exec", "rails", "runner", "-e", "production", seed],
                BENCH_PASSWORD=PASSWORD, BENCH_ISSUES=str(ISSUES))
    with open(SETUP_LOG) as log:
        seeded = [line.strip() for line in log if line.startswith("seeded:")]
    print("== " + (seeded[-1] if seeded else "seeded"), flush=True)
    with open(SEEDED, "w") as f:
        f.write(f"{ISSUES} issues, {date.today():%d/%m/%Y}\n")
    print(f"== instance made in {time.monotonic() - started:.0f} s", flush=True)


def port_free(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def start_puma(port):
    log_path = f"{LOG_DIR}/puma.log"
    log = open(log_path, "w")
    cmd = ["puma", "-w", "2", "-t", "5:5", "-e", "production",
           "-b", f"tcp://127.0.0.1:{port}", "config.ru"]
    print(f"$ {' '.join(cmd)}  (as www-data, in {REDMINE}; log {log_path})", flush=True)
    # Its own process group, so that the workers are stopped with it.
    proc = subprocess.Popen(cmd, cwd=REDMINE, env=redmine_env(), stdout=log,
                            stderr=subprocess.STDOUT, user="www-data", group="www-data",
                            extra_groups=[], start_new_session=True)
    log.close()
    return proc, log_path


def wait_ready(proc, base, log_path, seconds=300):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"puma stopped (exit {proc.returncode}): see {log_path}")
        try:
            with urllib.request.urlopen(base + "/login", timeout=5) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"puma did not answer /login in {seconds} s: see {log_path}")


def stop_puma(proc):
    """SIGTERM to puma's group (the master stops its workers), SIGKILL after
    30 s; then nothing of the group may be left."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    for _ in range(50):
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            print("== puma stopped", flush=True)
            return
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    print("== puma's workers killed", flush=True)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def login(base):
    """Redmine's login form with its authenticity token; returns the session
    cookie as a Cookie header."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    page = opener.open(base + "/login").read().decode()
    m = re.search(r'name="authenticity_token" value="([^"]+)"', page)
    if not m:
        raise RuntimeError("no authenticity_token in Redmine's login page")
    form = urllib.parse.urlencode({
        "authenticity_token": html.unescape(m.group(1)), "back_url": base + "/issues",
        "username": LOGIN, "password": PASSWORD, "login": "Login"})
    try:
        opener.open(base + "/login", form.encode())
        raise RuntimeError("the login form answered 200: wrong password?")
    except urllib.error.HTTPError as e:
        where = e.headers.get("Location", "")
        if e.code != 302 or "/login" in where:
            raise RuntimeError(f"login answered {e.code} to {where or 'nowhere'}") from None
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def check_page(base, path, cookie):
    """The page as the benchmark will ask for it: 200, logged in, the issues
    all there. Returns the total the list shows and the page's size."""
    req = urllib.request.Request(base + path, headers={"Cookie": cookie})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=60) as r:
            body = r.read().decode()
    except urllib.error.HTTPError as e:
        raise RuntimeError(f"GET {path} answered {e.code} "
                           f"{e.headers.get('Location', '')} instead of 200") from None
    if 'id="loggedas"' not in body:
        raise RuntimeError(f"GET {path} is not the page of a logged-in user")
    m = re.search(r'<span class="items">\(\d+-\d+/(\d+)\)</span>', body)
    if not m:
        raise RuntimeError(f"GET {path} shows no paginated issue list")
    return int(m.group(1)), len(body)


def wrk(base, path, cookie, duration, connections):
    """Runs wrk; returns (rps, p50 ms, p99 ms, errors, requests). Errors are
    answers other than 200 and socket errors (timeouts included)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(STATUS_LUA)
    try:
        # A long timeout: a slow answer is measured as latency, not dropped.
        cmd = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s",
               "--latency", "--timeout", "60s", "-s", script.name,
               "-H", f"Cookie: {cookie}", base + path]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))

    def pct(p):
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)\b", out)
        if not m:
            return float("nan")
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v

    errors = int(re.search(r"Not 200: (\d+)", out).group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    return rps, pct(50), pct(99), errors, requests


def cpu_seconds(group):
    """CPU time (user + system) used so far by the processes of a process
    group: puma's master and its workers."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command's name: state, ppid, pgrp, ... utime (14th), stime (15th).
        if int(fields[2]) == group:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def settle(group, seconds=120):
    """Waits until puma is idle (it finishes the requests wrk gave up on
    when it stopped); returns its CPU time then."""
    last = cpu_seconds(group)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = cpu_seconds(group)
        if now - last < 0.03:
            return now
        last = now
    raise RuntimeError(f"puma was still busy {seconds} s after wrk stopped")


def served_since(offset):
    """Requests Redmine completed since that offset of its log."""
    with open(f"{LOG_DIR}/production.log", "rb") as f:
        f.seek(offset)
        return f.read().count(b"] Completed ")


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=int, default=10, help="seconds of each wrk run (10)")
    ap.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    ap.add_argument("--port", type=int, default=18093, help="puma's port on 127.0.0.1 (18093)")
    ap.add_argument("--warmup", type=int, default=3,
                    help="seconds of wrk before the measured runs, not counted (3; 0: none)")
    ap.add_argument("--project", action="store_true",
                    help="also the project's issue list, /projects/bench/issues")
    ap.add_argument("--reset", action="store_true", help="make the instance's data set again")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: it installs packages and runs Redmine as www-data")
    if args.duration < 1 or args.connections < 1:
        sys.exit("--duration and --connections must be at least 1")
    # A TERM from outside ends the run through the same clean-up as Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    install()
    instance(args.reset)
    if not port_free(args.port):
        sys.exit(f"something already listens on 127.0.0.1:{args.port}: choose another --port")
    base = f"http://127.0.0.1:{args.port}"
    proc = None
    try:
        proc, log_path = start_puma(args.port)
        started = time.monotonic()
        wait_ready(proc, base, log_path)
        print(f"== puma answers after {time.monotonic() - started:.1f} s", flush=True)
        run(args, base, proc.pid)
    except (RuntimeError, subprocess.CalledProcessError) as e:
        sys.exit(f"error: {e}")
    finally:
        if proc is not None:
            stop_puma(proc)


def run(args, base, group):
    cookie = login(base)
    pages = [("Redmine: issue list, default query", "/issues")]
    if args.project:
        pages.append(("Redmine: the project's issue list", "/projects/bench/issues"))
    for _, path in pages:
        total, size = check_page(base, path, cookie)
        if total != ISSUES:
            raise RuntimeError(f"GET {path} lists {total} issues, not {ISSUES}: try --reset")
        print(f"== GET {path}: 200, logged in as {LOGIN}, {total} issues listed, "
              f"{size / 1024:.0f} KB of HTML", flush=True)
    if args.warmup > 0:
        # Each worker compiles its templates on its first requests.
        wrk(base, pages[0][1], cookie, args.warmup, args.connections)
    load_before = load_average()
    rows = []
    for label, path in pages:
        # Puma's own CPU per request it completed, from idle to idle: what the
        # page costs whatever else runs (wrk's count would leave out the
        # requests it gave up on at the end, which puma still served).
        cpu = settle(group)
        offset = os.path.getsize(f"{LOG_DIR}/production.log")
        rps, p50, p99, errors, requests = wrk(base, path, cookie, args.duration, args.connections)
        cpu_ms = (settle(group) - cpu) * 1000 / max(served_since(offset), 1)
        rows.append((label, path, rps, p50, p99, errors, cpu_ms))
        print(f"  {label} ({path}): {rps:.1f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
              f"errors {errors} of {requests}, puma's CPU {cpu_ms:.0f} ms a request", flush=True)
    # Still logged in after the runs: the cookie was not lost on the way.
    check_page(base, pages[0][1], cookie)
    load_after = load_average()
    redmine, puma = package_version("redmine"), package_version("puma")
    print()
    print(f"Redmine comparison {date.today():%d/%m/%Y}: Redmine {redmine} (Debian) on SQLite, "
          f"puma {puma} -w 2 -t 5:5, {ISSUES:,} open issues, logged in as admin, "
          f"{args.connections} connections, {args.duration} s each, "
          f"{os.cpu_count()} cores ({platform()}); load average {load_before} before, "
          f"{load_after} after")
    print("| page | req/s | p50 ms | p99 ms | errors | puma CPU ms a request |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, path, rps, p50, p99, errors, cpu_ms in rows:
        print(f"| {label} (`{path}`) | {rps:,.1f} | {p50:,.1f} | {p99:,.1f} | {errors} | "
              f"{cpu_ms:,.0f} |")
    print(f"\nIssue 33's target for the app's task list (>= 100x Redmine's default issue list): "
          f"{rows[0][2] * 100:,.0f} req/s.")


if __name__ == "__main__":
    main()
