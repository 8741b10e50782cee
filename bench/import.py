#!/usr/bin/env python3
"""Import benchmark: the household import (page and API) on the release build
with the demo data (`danvan demo`), all from 127.0.0.1. It stops by itself.

1. The import alone, each step on a freshly started server so that its peak
   memory (VmHWM) is its own: a CSV of 200,000 households (with its header
   200,001 rows, one past the limit), the 199,999 that fit, its
   confirm, the API's dry run, and the largest XLSX under 5 MB.
2. The import while wrk drives GET /login and a logged-in GET /tasks, each
   against a baseline of the same length just before, with a field worker
   logging visits meanwhile (one at a time, then in parallel).
3. Files made to hurt the reader (tests/fixtures/import/hostile and generated
   ones), sent through the page and the API to a server in a memory box.

Prints markdown tables, the machine and its load, and writes them to
target/bench-import/report-<backend>.md.

    python3 bench/import.py                  # SQLite
    python3 bench/import.py postgres         # PostgreSQL on BENCH_PG (postgres://postgres@127.0.0.1:5432)
    python3 bench/import.py --rev HEAD       # build a commit, not the working tree others may be editing
    python3 bench/import.py --phases hostile # only some parts: measured, load, hostile

Files are generated once (seeded) under target/bench-import/files/.
"""

import argparse
import atexit
import html
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import zipfile
from datetime import date

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (build, AnonPeak, status_kb, platform, stage_of, target_dir)

PORT = 18091  # bench.py uses 18090
BASE = f"http://127.0.0.1:{PORT}"
MAX_UPLOAD = 5 * 1024 * 1024  # src/routes/household_io.rs MAX_UPLOAD
SHEET_ROWS = 200_000  # src/sheet.rs LIMITS.rows: rows of the sheet, header included
HEADER = ["STT", "Chủ hộ", "Địa chỉ", "Tờ bản đồ số", "Thửa đất số", "Diện tích (m²)"]
WORK = os.path.join(bench.target_dir(), "bench-import")
FILES = os.path.join(WORK, "files")
FIXTURES = os.path.join(bench.ROOT, "tests", "fixtures", "import")
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432"
PROBLEMS = []  # server log lines with a panic or an error
RUNNING = []  # servers started here, stopped at exit whatever happens
WRKS = []  # wrk runs started here, likewise
BASELINE_MAX = 60  # seconds: a baseline is as long as the step took alone, up to this
VISIT_ERRORS = []  # what a visit POST answered other than 303
DB_NAME = "danvan_import_bench"
# Demo tasks (src/setup.rs): 1 Thụy Khuê ditch (Tây Hồ), 3 Nam Thăng Long (Phú Thượng).
MEASURED = ("capuy.phuthuong", "Nam Thăng Long")
LOADED = ("capuy.tayho", "Thụy Khuê")
TEAM = "totac.phuthuong"
WRK_CONNECTIONS = 8
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def log(msg):
    print(msg, flush=True)


# ---------------------------------------------------------------- machine


def machine():
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"nproc {nproc}, {bench.platform()}, {mem} RAM"


def load_note():
    """uptime's load averages and how many cargo/rustc processes run beside us."""
    with open("/proc/loadavg") as f:
        la = " ".join(f.read().split()[:3])
    others = 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/comm") as f:
                    if f.read().strip() in ("cargo", "rustc"):
                        others += 1
            except OSError:
                pass
    return f"load {la}; {others} cargo/rustc processes running"


# ---------------------------------------------------------------- files


FAMILIES = ["Lê", "Lý", "Hồ", "Đỗ", "Vũ", "Võ", "Tạ", "Ngô", "Đào", "Bùi", "Phạm", "Trần",
            "Đặng", "Mạc", "Tô", "Lã", "Chu", "Hà", "Mai", "Đinh", "Phan", "Trịnh", "Dương",
            "Nguyễn", "Hoàng", "Huỳnh", "Lương", "Quách"]
MIDDLES = ["Văn", "Thị", "Đức", "Minh", "Hữu", "Ngọc", "Quang", "Xuân", "Thanh", "Công"]
GIVENS = ["An", "Ân", "Hà", "Hạ", "Lan", "Mai", "Vân", "Hòa", "Hùng", "Lộc", "Phúc", "Tú",
          "Thu", "Tâm", "Nga", "Yến", "Đức", "Ngọc", "Sơn", "Hải", "Bình", "Chi", "Dũng",
          "Hương", "Thảo", "Trang", "Cường", "Quân", "Việt", "Hạnh", "Nhung", "Tuấn", "Lực",
          "Khánh", "Ánh", "Ý", "Vũ", "Hậu", "Thủy", "Lợi", "Ðạt"]
STREETS = ["Phú Thượng", "Âu Cơ", "Lạc Long Quân", "An Dương Vương", "Võng Thị", "Thụy Khuê"]


def vn_area(tenths):
    """Tenths of a m² written the Vietnamese way: 1.270,8 / 85,5 / 120."""
    whole, frac = divmod(tenths, 10)
    text = f"{whole:,}".replace(",", ".")
    return text + (f",{frac}" if frac else "")


def parcels(n, first_sheet=1):
    """n distinct (map sheet, parcel) pairs, none of the demo's (sheets 20-27)."""
    sheets = [s for s in range(first_sheet, first_sheet + 300) if not 20 <= s <= 27]
    per = 2000
    return [(str(sheets[i // per]), str(i % per + 1)) for i in range(n)]


def csv_households(n, seed=2026, first_sheet=1):
    """A CSV of n households under 5 MB: as much of STT, three-part names and
    an address as the budget allows (the address goes first, then the middle
    name, then the row number), areas the Vietnamese way, distinct parcels.
    Returns (bytes, what was trimmed)."""
    rng = random.Random(seed)
    target = MAX_UPLOAD - 16 * 1024
    head = ";".join(HEADER) + "\n"
    fixed = []
    for i, (sheet, parcel) in enumerate(parcels(n, first_sheet)):
        tenths = rng.randrange(200, 10_000) if rng.random() < 0.7 else rng.randrange(10_000, 100_000)
        fixed.append((str(i + 1), sheet, parcel, vn_area(tenths)))
    # The fallback: the shorter family and given names (up to 4 bytes each).
    families = [f for f in FAMILIES if len(f.encode()) <= 4]
    givens = [g for g in GIVENS if len(g.encode()) <= 4]
    names2 = [(f"{rng.choice(families)} {rng.choice(givens)}") for _ in range(n)]
    mean2 = sum(len(s.encode()) for s in names2) / n
    with_stt = len(head.encode()) + sum(len(";".join(f).encode()) + 3 for f in fixed) + n * mean2
    keep_stt = with_stt <= target
    trimmed = []
    if not keep_stt:
        trimmed.append("STT left blank (the column is there)")
    out = [head]
    used = len(head.encode())
    per_row = (target - used) / n
    counts = {"address": 0, "middle": 0}
    for i, (stt, sheet, parcel, area) in enumerate(fixed):
        stt = stt if keep_stt else ""
        fam, giv = names2[i].split(" ", 1)
        full = f"{fam} {rng.choice(MIDDLES)} {giv}"
        address = f"Số {rng.randrange(1, 200)} ngõ {rng.randrange(1, 80)} {rng.choice(STREETS)}"
        allowed = per_row * (i + 1) - (used - len(head.encode()))
        for name, addr in ((full, address), (full, ""), (names2[i], "")):
            line = f"{stt};{name};{addr};{sheet};{parcel};{area}\n"
            if len(line.encode()) <= allowed:
                break
        counts["address"] += bool(addr)
        counts["middle"] += name is full
        out.append(line)
        used += len(line.encode())
    data = "".join(out).encode()
    assert len(data) <= MAX_UPLOAD, len(data)
    if counts["address"] < n:
        trimmed.append(f"address on {counts['address']:,} of {n:,} rows")
    if counts["middle"] < n:
        trimmed.append(f"middle name on {counts['middle']:,} of {n:,} rows")
    return data, trimmed


def csv_short_rows(n):
    """n short rows (a name each) under a one-column header."""
    rng = random.Random(7)
    names = [f"{f} {g}" for f in FAMILIES for g in GIVENS if len(f"{f} {g}".encode()) <= 7]
    body = "".join(f"{rng.choice(names)}\n" for _ in range(n))
    return ("Chủ hộ\n" + body).encode()


def xlsx_households(path):
    """The largest XLSX of households (openpyxl, full names, addresses, number
    areas) under 5 MB and within the sheet's 200,000 rows. Returns the rows
    written, or None without openpyxl."""
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        if subprocess.run([sys.executable, "-m", "pip", "install", "-q", "openpyxl"]).returncode:
            return None
    import openpyxl

    def write(n):
        rng = random.Random(2027)
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet("Danh sách hộ")
        sheet.append(HEADER)
        for i, (s, p) in enumerate(parcels(n)):
            tenths = rng.randrange(200, 10_000) if rng.random() < 0.7 else rng.randrange(10_000, 100_000)
            sheet.append([i + 1, f"{rng.choice(FAMILIES)} {rng.choice(MIDDLES)} {rng.choice(GIVENS)}",
                          f"Số {rng.randrange(1, 200)} ngõ {rng.randrange(1, 80)} {rng.choice(STREETS)}",
                          int(s), int(p), tenths / 10])
        book.save(path)
        return os.path.getsize(path)

    n = SHEET_ROWS - 1
    for _ in range(6):
        size = write(n)
        if size <= MAX_UPLOAD:
            return n
        n = int(n * MAX_UPLOAD / size * 0.985)
    return None


def col_name(n):
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


XLSX_PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}


def xlsx_block(path, rows, cols=100, refs=True):
    """An XLSX whose sheet1.xml holds the number 1 in every cell A1..CV<rows>,
    streamed into the zip (deflate); with refs=False the cells carry no r=
    attribute (they are placed in order, as the format allows), which is what
    lets a million rows fit. Returns the unpacked size of sheet1.xml."""
    letters = [col_name(c) for c in range(1, cols + 1)]
    if refs:
        parts = '<row r="{r}">' + "".join(f'<c r="{c}{{r}}"><v>1</v></c>' for c in letters) + "</row>"
    else:
        parts = "<row>" + "<c><v>1</v></c>" * cols + "</row>"
    parts = parts.split("{r}")
    total = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in XLSX_PARTS.items():
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            head = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                    f'spreadsheetml/2006/main"><dimension ref="A1:{letters[-1]}{rows}"/><sheetData>').encode()
            f.write(head)
            total += len(head)
            chunk = []
            for r in range(1, rows + 1):
                chunk.append(str(r).join(parts))
                if len(chunk) == 2000:
                    b = "".join(chunk).encode()
                    f.write(b)
                    total += len(b)
                    chunk = []
            b = ("".join(chunk) + "</sheetData></worksheet>").encode()
            f.write(b)
            total += len(b)
    return total


def files():
    """Every generated file, made once: name -> (path, note)."""
    os.makedirs(FILES, exist_ok=True)
    made = {}
    meta_path = os.path.join(FILES, "meta-v1.json")
    meta = json.load(open(meta_path)) if os.path.exists(meta_path) else {}

    def keep(key, path, note):
        made[key] = (path, note)
        meta[key] = note

    for n in (SHEET_ROWS, SHEET_ROWS - 1):
        key = f"csv{n}"
        path = os.path.join(FILES, f"ho-dan-{n}.csv")
        if key not in meta or not os.path.exists(path):
            log(f"== generating {path}")
            data, trimmed = csv_households(n)
            with open(path, "wb") as f:
                f.write(data)
            meta[key] = ", ".join(trimmed) or "nothing trimmed"
        keep(key, path, meta[key])
    # Another list of the largest size, on other parcels (sheets 300 and on).
    path = os.path.join(FILES, "ho-dan-199999-b.csv")
    if "csvb" not in meta or not os.path.exists(path):
        log(f"== generating {path}")
        data, trimmed = csv_households(SHEET_ROWS - 1, seed=2028, first_sheet=300)
        with open(path, "wb") as f:
            f.write(data)
        meta["csvb"] = ", ".join(trimmed + ["map sheets 300 and on"])
    keep("csvb", path, meta["csvb"])
    path = os.path.join(FILES, "ho-dan.xlsx")
    if "xlsx" not in meta or not os.path.exists(path):
        log(f"== generating {path} (openpyxl)")
        rows = xlsx_households(path)
        meta["xlsx"] = rows
    if meta["xlsx"]:
        keep("xlsx", path, meta["xlsx"])
    path = os.path.join(FILES, "a1-cv1000000.xlsx")
    if "block" not in meta or not os.path.exists(path):
        log(f"== generating {path}")
        unpacked = xlsx_block(path, 1_000_000, refs=False)
        meta["block"] = f"1,000,000 rows × 100 columns, no r= on cells, {unpacked / 1e9:.2f} GB unpacked"
    keep("block", path, meta["block"])
    path = os.path.join(FILES, "a1-cv-refs.xlsx")
    if "block_refs" not in meta or not os.path.exists(path):
        # With r="A1"… on every cell a row deflates to ~266 bytes: find the most rows that fit.
        rows = 19_000
        for _ in range(6):
            log(f"== generating {path} ({rows:,} rows)")
            unpacked = xlsx_block(path, rows, refs=True)
            size = os.path.getsize(path)
            if size <= MAX_UPLOAD and size > MAX_UPLOAD * 0.97:
                break
            rows = int(rows * MAX_UPLOAD * 0.985 / size)
        meta["block_refs"] = f"A1..CV{rows:,} with r= on every cell, {unpacked / 1e6:.0f} MB unpacked"
    keep("block_refs", path, meta["block_refs"])
    path = os.path.join(FILES, "600000-rows.csv")
    if "short" not in meta or not os.path.exists(path):
        log(f"== generating {path}")
        with open(path, "wb") as f:
            f.write(csv_short_rows(600_000))
        meta["short"] = "600,000 rows of one short name"
    keep("short", path, meta["short"])
    with open(meta_path, "w") as f:
        json.dump(meta, f)
    return made


# ---------------------------------------------------------------- memory limit


class MemoryLimit:
    """Runs the server in a memory-limited box: systemd-run --scope when
    systemd runs, else a cgroup (v2 memory.max, or v1 memory.limit_in_bytes)
    made here, else prlimit --as (an address-space limit, which mimalloc's
    reservations make a poor stand-in for memory)."""

    def __init__(self, limit, how="auto", prlimit_as=None):
        self.limit, self.kind, self.dir, self.as_bytes = limit, None, None, prlimit_as
        tries = ["systemd-run", "cgroup2", "cgroup1", "prlimit"] if how == "auto" else [how]
        for kind in tries:
            if getattr(self, "try_" + kind.replace("-", "_"))():
                self.kind = kind
                break
        if not self.kind:
            sys.exit("no way to limit the server's memory")

    def try_systemd_run(self):
        return bool(shutil.which("systemd-run")) and subprocess.run(
            ["systemd-run", "--scope", "-q", "-p", f"MemoryMax={self.limit}", "true"],
            capture_output=True).returncode == 0

    def try_cgroup2(self):
        root = "/sys/fs/cgroup"
        try:
            if "memory" not in open(os.path.join(root, "cgroup.controllers")).read().split():
                return False
            self.dir = os.path.join(root, f"danvan-import-bench-{os.getpid()}")
            os.makedirs(self.dir, exist_ok=True)
            open(os.path.join(self.dir, "memory.max"), "w").write(str(self.limit))
            try:
                open(os.path.join(self.dir, "memory.swap.max"), "w").write("0")
            except OSError:
                pass
            return True
        except OSError:
            self.dir = None
            return False

    def try_cgroup1(self):
        root = "/sys/fs/cgroup/memory"
        try:
            self.dir = os.path.join(root, f"danvan-import-bench-{os.getpid()}")
            os.makedirs(self.dir, exist_ok=True)
            open(os.path.join(self.dir, "memory.limit_in_bytes"), "w").write(str(self.limit))
            try:  # no swap beyond it (when swap accounting is on)
                open(os.path.join(self.dir, "memory.memsw.limit_in_bytes"), "w").write(str(self.limit))
            except OSError:
                pass
            return True
        except OSError:
            if self.dir and os.path.isdir(self.dir):
                os.rmdir(self.dir)
            self.dir = None
            return False

    def try_prlimit(self):
        if not shutil.which("prlimit"):
            return False
        self.as_bytes = self.as_bytes or self.limit
        return True

    def describe(self):
        mb = self.limit // 2**20
        if self.kind == "systemd-run":
            return f"systemd-run --scope -p MemoryMax={mb}M"
        if self.kind == "cgroup2":
            return f"cgroup v2 {self.dir}, memory.max = {mb} MiB, memory.swap.max = 0"
        if self.kind == "cgroup1":
            return (f"cgroup v1 {self.dir}, memory.limit_in_bytes = memory.memsw.limit_in_bytes "
                    f"= {mb} MiB (no swap on this machine)")
        return f"prlimit --as={self.as_bytes} (address space, not memory)"

    def wrap(self, cmd):
        """(command, preexec_fn) that start cmd inside the limit."""
        if self.kind == "systemd-run":
            return ["systemd-run", "--scope", "-q", "-p", f"MemoryMax={self.limit}"] + cmd, None
        if self.kind == "prlimit":
            return ["prlimit", f"--as={self.as_bytes}"] + cmd, None
        procs = os.path.join(self.dir, "cgroup.procs")

        def join():
            with open(procs, "w") as f:
                f.write(str(os.getpid()))
        return cmd, join

    def reset_peak(self):
        if self.kind == "cgroup1":
            try:
                open(os.path.join(self.dir, "memory.max_usage_in_bytes"), "w").write("0")
            except OSError:
                pass

    def peak_mb(self):
        """The box's peak (the server's memory plus the page cache it caused)."""
        name = {"cgroup1": "memory.max_usage_in_bytes", "cgroup2": "memory.peak"}.get(self.kind)
        try:
            return int(open(os.path.join(self.dir, name)).read()) / 2**20 if name else None
        except OSError:
            return None

    def oom_kills(self):
        try:
            if self.kind == "cgroup1":
                text = open(os.path.join(self.dir, "memory.oom_control")).read()
            elif self.kind == "cgroup2":
                text = open(os.path.join(self.dir, "memory.events")).read()
            else:
                return None
        except OSError:
            return None
        m = re.search(r"oom_kill (\d+)", text)
        return int(m.group(1)) if m else None

    def close(self):
        if self.dir and os.path.isdir(self.dir):
            try:
                os.rmdir(self.dir)
            except OSError as e:
                log(f"(could not remove {self.dir}: {e})")


# ---------------------------------------------------------------- server


class Server:
    def __init__(self, binary, url, run_dir, limit=None):
        self.binary, self.url, self.run_dir, self.limit = binary, url, run_dir, limit
        self.proc, self.log_path = None, os.path.join(run_dir, "server.log")

    def env(self):
        return dict(os.environ, DATABASE_URL=self.url, DATA_DIR=os.path.join(self.run_dir, "data"),
                    BIND_ADDR=f"127.0.0.1:{PORT}", SESSION_KEY="ab" * 64, DAILY_HOUR="off",
                    OUTBOX_WORKER="false", RUST_LOG="warn", WORKERS="2",
                    DB_POOL_SIZE=os.environ.get("BENCH_POOL", "4"),
                    LOGIN_MAX_FAILURES_PER_IP="100000")

    def start(self):
        if self.healthz():
            sys.exit(f"something already answers on port {PORT}: stop it first")
        cmd, preexec = [self.binary, "serve"], None
        if self.limit:
            self.limit.reset_peak()
            cmd, preexec = self.limit.wrap(cmd)
        self.log_from = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        out = open(self.log_path, "a")  # tracing writes to stdout
        self.proc = subprocess.Popen(cmd, env=self.env(), stdout=out, stderr=out, preexec_fn=preexec)
        RUNNING.append(self)
        self.oom_before = self.limit.oom_kills() if self.limit else None
        for _ in range(300):
            if self.healthz():
                break
            if self.proc.poll() is not None:
                sys.exit(f"the server stopped at start: see {self.log_path}")
            time.sleep(0.1)
        else:
            sys.exit("the server did not answer /healthz")
        time.sleep(0.2)
        if self.proc.poll() is not None:
            sys.exit(f"the server stopped at start: see {self.log_path}")
        self.pid = self.proc.pid
        self.anon = bench.AnonPeak(self.pid)
        self.anon.start()
        return self

    def healthz(self):
        try:
            c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
            c.request("GET", "/healthz")
            return c.getresponse().status == 200
        except OSError:
            return False

    def alive(self):
        return self.proc.poll() is None

    def hwm_mb(self):
        try:
            return bench.peak_kb(self.pid) / 1024
        except OSError:
            return None

    def cpu_s(self):
        """CPU seconds the server has used (user + system)."""
        try:
            with open(f"/proc/{self.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError):
            return None

    def anon_mb(self):
        return self.anon.peak / 1024

    def end_note(self):
        """How it died, if it did."""
        rc = self.proc.poll()
        if rc is None:
            return None
        oom = self.limit.oom_kills() if self.limit else None
        killed = oom is not None and self.oom_before is not None and oom > self.oom_before
        return f"exited {rc}" + (" (OOM-killed in the box)" if killed else "")

    def stop(self):
        if self in RUNNING:
            RUNNING.remove(self)
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            if hasattr(self, "anon"):
                self.anon.stop.set()
            with open(self.log_path, errors="replace") as f:
                f.seek(self.log_from)
                for line in f:
                    if re.search(r"panick|ERROR|WARN|memory allocation|fatal", line) and "SMTP_HOST" not in line:
                        PROBLEMS.append(line.strip()[:300])


# ---------------------------------------------------------------- http


class Answer:
    def __init__(self, status, body, seconds, headers, error=None):
        self.status, self.body, self.seconds, self.headers, self.error = status, body, seconds, headers, error

    def text(self):
        return self.body.decode("utf-8", "replace")


def request(method, path, body=None, headers=None, timeout=900):
    started = time.monotonic()
    try:
        c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        return Answer(r.status, data, time.monotonic() - started, r.headers)
    except (OSError, http.client.HTTPException) as e:
        return Answer(None, b"", time.monotonic() - started, None, f"{type(e).__name__}: {e}")


class Session:
    """A logged-in browser: cookies and the CSRF token."""

    def __init__(self, username, password):
        self.cookies = {}
        page = self.req("GET", "/login").text()
        token = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"_csrf": html.unescape(token), "username": username,
                                       "password": password})
        r = self.req("POST", "/login", form.encode(), "application/x-www-form-urlencoded")
        if r.status != 303:
            sys.exit(f"login as {username} answered {r.status}")
        self.username = username

    def cookie(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def req(self, method, path, body=None, ctype=None, timeout=900):
        headers = {}
        if self.cookies:
            headers["Cookie"] = self.cookie()
        if ctype:
            headers["Content-Type"] = ctype
        r = request(method, path, body, headers, timeout)
        if r.headers:
            for v in r.headers.get_all("Set-Cookie") or []:
                name, _, rest = v.partition("=")
                self.cookies[name.strip()] = rest.split(";")[0]
        return r

    def import_csrf(self, task):
        r = self.req("GET", f"/tasks/{task}/households/import")
        if r.status != 200:
            sys.exit(f"{self.username} may not import into task {task}: {r.status}")
        return html.unescape(re.search(r'households/import\?_csrf=([^"]+)"', r.text()).group(1))


def multipart(name, data):
    boundary = "----danvan-import-bench-" + os.urandom(8).hex()
    ctype = XLSX_TYPE if name.endswith(".xlsx") else (
        "application/vnd.oasis.opendocument.spreadsheet" if name.endswith(".ods") else "text/csv")
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: {ctype}\r\n\r\n").encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def page_upload(session, task, name, data):
    token = session.import_csrf(task)
    body, ctype = multipart(name, data)
    return session.req("POST", f"/tasks/{task}/households/import?_csrf={urllib.parse.quote(token)}",
                       body, ctype)


def confirm(session, task, preview):
    m = re.search(rf'action="/tasks/{task}/households/import/(\d+)"', preview.text())
    if not m:
        return None
    token = html.unescape(re.search(r'name="_csrf" value="([^"]+)"', preview.text()).group(1))
    return session.req("POST", f"/tasks/{task}/households/import/{m.group(1)}",
                       urllib.parse.urlencode({"_csrf": token}).encode(),
                       "application/x-www-form-urlencoded")


def api_import(token, task, name, data, dry_run=True):
    q = urllib.parse.urlencode({"dry_run": str(dry_run).lower(), "skip_duplicates": "false",
                                "file_name": name})
    ctype = "text/csv" if name.endswith(".csv") else "application/octet-stream"
    return request("POST", f"/api/v1/tasks/{task}/households/import?{q}", data,
                   {"Authorization": f"Bearer {token}", "Content-Type": ctype})


def what_it_said(r):
    """The refusal or the summary an answer gives, shortened."""
    if r.status is None:
        return r.error
    text = r.text()
    if r.headers and "json" in (r.headers.get("Content-Type") or ""):
        try:
            body = json.loads(text)
        except ValueError:
            return text[:160]
        if isinstance(body, dict) and "lines" in body and "dry_run" in body:
            return (f"lines {body['lines']:,}, imported {body['imported']:,}, "
                    f"duplicates {len(body['duplicate_lines']):,}")
        return json.dumps(body, ensure_ascii=False)[:160]
    m = re.search(r'flash-error" role="alert">(.*?)</div>', text, re.S)
    if m:
        return html.unescape(m.group(1)).strip()[:160]
    m = re.search(r"(\d[\d.]*) hộ, (\d[\d.]*) dòng có lỗi", text)
    if m:
        return html.unescape(m.group(0))
    if r.status == 303:
        return "303 → " + (r.headers.get("Location") or "")
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))[:120]


# ---------------------------------------------------------------- wrk


def parse_wrk(out):
    def ms(v, unit):
        v = float(v)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v * 60_000 if unit == "m" else v

    res = {"rps": 0.0, "p50": None, "p99": None, "max": None, "errors": 0, "timeouts": 0, "requests": 0}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if m:
        res["rps"] = float(m.group(1))
    for p in (50, 99):
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s|m)\b", out)
        if m:
            res[f"p{p}"] = ms(*m.groups())
    m = re.search(r"Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s|m)\b", out)
    if m:
        res["max"] = ms(*m.groups())
    m = re.search(r"(\d+) requests in", out)
    if m:
        res["requests"] = int(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        res["errors"] += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        res["errors"] += sum(int(x) for x in m.groups()[:3])
        res["timeouts"] = int(m.group(4))
    return res


class Wrk:
    """wrk on one page, for a set time or until stopped (SIGINT: wrk prints
    what it measured so far)."""

    def __init__(self, path, cookie=None, duration=None):
        cmd = ["wrk", "-t1", f"-c{WRK_CONNECTIONS}", f"-d{duration or 3600}s", "--latency",
               "--timeout", "30s"]
        if cookie:
            cmd += ["-H", f"Cookie: {cookie}"]
        self.proc = subprocess.Popen(cmd + [BASE + path], stdout=subprocess.PIPE, text=True)
        self.started, self.duration = time.monotonic(), duration
        WRKS.append(self)

    def result(self, stop=False):
        if stop and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        out, _ = self.proc.communicate(timeout=(self.duration or 0) + 120)
        res = parse_wrk(out)
        res["seconds"] = time.monotonic() - self.started
        return res


class VisitProbe(threading.Thread):
    """Logs a visit every half second as field workers do, timing each POST:
    what a visit waits while the import writes. Serial: one at a time (the
    next leaves half a second after the last answered). Parallel: each on a
    thread of its own, every half second whatever the last one does, as a
    ward's teams log visits at 8 a.m."""

    def __init__(self, session, posts, parallel=False):
        super().__init__(daemon=True)
        self.session, self.posts, self.parallel = session, posts, parallel
        self.stop, self.results, self.threads = threading.Event(), [], []

    def one(self, path, body):
        r = self.session.req("POST", path, body.encode(), "application/x-www-form-urlencoded",
                             timeout=300)
        self.results.append((r.seconds * 1000, r.status, r.text()[:300] if r.status != 303 else ""))
        if r.status == 303:
            # As a browser does: the page it is sent to shows (and so takes
            # out of the cookie) the flash message. Otherwise the messages
            # pile up in the cookie session, and past ~5.6 KB of cookie every
            # request answers 500 with an empty body.
            self.session.req("GET", r.headers.get("Location") or "/", timeout=300)

    def run(self):
        i = 0
        while not self.stop.is_set():
            post = self.posts[i % len(self.posts)]
            if self.parallel:
                t = threading.Thread(target=self.one, args=post, daemon=True)
                t.start()
                self.threads.append(t)
            else:
                self.one(*post)
            i += 1
            self.stop.wait(0.5)

    def summary(self):
        self.stop.set()
        self.join(timeout=300)
        for t in self.threads:
            t.join(timeout=300)
        t = sorted(ms for ms, _, _ in self.results)
        statuses = {}
        for _, status, text in self.results:
            statuses[status] = statuses.get(status, 0) + 1
            if status != 303:
                flat = " ".join(text.split())
                VISIT_ERRORS.append(f"{status}: {flat[:200]}")
        if not t:
            return {"n": 0, "median": None, "max": None, "bad": 0, "statuses": statuses,
                    "parallel": self.parallel}
        return {"n": len(t), "median": t[len(t) // 2], "max": t[-1], "parallel": self.parallel,
                "bad": sum(n for s, n in statuses.items() if s != 303), "statuses": statuses}


def visit_posts(team):
    due = team.req("GET", "/visits/due").text()
    households = list(dict.fromkeys(re.findall(r'href="/households/(\d+)', due)))[:10]
    token = html.unescape(re.search(r'name="_csrf" value="([^"]+)"',
                                    team.req("GET", "/account").text()).group(1))
    today = date.today().strftime("%d/%m/%Y")
    posts = []
    for h in households:
        page = team.req("GET", f"/households/{h}").text()
        posts.append((f"/households/{h}/visits", urllib.parse.urlencode({
            "_csrf": token, "visited_on": today, "kind": "door_to_door",
            "household_said": "Gia đình đồng ý, hẹn ký biên bản.",
            "stage_after": bench.stage_of(page), "reason": "Thăm hỏi định kỳ",
            "next_step": "", "next_visit_on": ""})))
    return posts


# ---------------------------------------------------------------- database


class Database:
    def __init__(self, backend, binary):
        self.backend, self.binary = backend, binary
        self.run_dir = os.path.join(WORK, backend)
        shutil.rmtree(self.run_dir, ignore_errors=True)
        os.makedirs(os.path.join(self.run_dir, "data"))
        if backend == "sqlite":
            self.url = os.path.join(self.run_dir, "danvan.sqlite3")
        else:
            admin = os.environ.get("BENCH_PG", PG_DEFAULT)
            self.url = f"{admin}/{DB_NAME}"
            bench.sh(["psql", f"{admin}/postgres", "-qc", f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)"])
            bench.sh(["psql", f"{admin}/postgres", "-qc", f"CREATE DATABASE {DB_NAME}"])
        out = self.cli(["demo"])
        self.password = re.search(r"password for all: (\S+)\)", out).group(1)
        with open(os.path.join(self.run_dir, "password"), "w") as f:
            f.write(self.password + "\n")
        self.tokens = {u: self.cli(["token", "--username", u, "--name", "import-bench"]).strip()
                       for u in (MEASURED[0], LOADED[0])}
        self.tasks = {}
        for user, title in (MEASURED, LOADED):
            self.tasks[user] = int(self.sql(f"SELECT id FROM tasks WHERE title LIKE '%{title}%'"))

    def cli(self, args):
        env = dict(os.environ, DATABASE_URL=self.url, DATA_DIR=os.path.join(self.run_dir, "data"),
                   DAILY_HOUR="off")
        return subprocess.run([self.binary] + args, env=env, capture_output=True, text=True,
                              check=True).stdout

    def sql(self, query):
        if self.backend == "sqlite":
            cmd = ["sqlite3", self.url, query]
        else:
            cmd = ["psql", self.url, "-tAc", query]
        for _ in range(30):  # a PostgreSQL restarted meanwhile (by someone else) comes back
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode == 0:
                return r.stdout.strip()
            time.sleep(2)
        sys.exit(f"{cmd[0]} failed: {r.stderr}")

    def households(self, task):
        return int(self.sql(f"SELECT count(*) FROM households WHERE task_id = {task}"))

    def drop(self):
        if self.backend == "postgres":
            admin = os.environ.get("BENCH_PG", PG_DEFAULT)
            subprocess.run(["psql", f"{admin}/postgres", "-qc",
                            f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)"], capture_output=True)


# ---------------------------------------------------------------- phases


def mb(v):
    return "–" if v is None else f"{v:,.0f}"


def secs(v):
    return "–" if v is None else f"{v:.2f}"


def size_text(n):
    return f"{n / 2**20:.2f} MB" if n >= 2**20 else f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} B"


def measured(db, binary, made, report):
    """Each import on a fresh server: its peak is its own."""
    user = MEASURED[0]
    task = db.tasks[user]
    rows = []
    csv_all, csv_fit = made[f"csv{SHEET_ROWS}"][0], made[f"csv{SHEET_ROWS - 1}"][0]

    def fresh():
        return Server(binary, db.url, db.run_dir).start()

    cpu = [0.0]

    def go(server, fn):
        """fn's answer; the server's CPU time for it kept for row()."""
        before = server.cpu_s()
        r = fn()
        cpu[0] = server.cpu_s() - before
        return r

    def row(label, path, r, server, extra=""):
        rows.append((label, os.path.basename(path), size_text(os.path.getsize(path)), r.status,
                     r.seconds, cpu[0], len(r.body), server.hwm_mb(), server.anon_mb(),
                     (what_it_said(r) + (f"; {extra}" if extra else "")), load_note()))
        log(f"  {label}: {r.status} in {r.seconds:.2f} s, {len(r.body):,} B, "
            f"VmHWM {mb(server.hwm_mb())} MB, RssAnon peak {mb(server.anon_mb())} MB — {what_it_said(r)}")

    before = db.households(task)
    # The brief's file: 200,000 households under a header, 200,001 rows of sheet.
    s = fresh()
    sess = Session(user, db.password)
    r = go(s, lambda: page_upload(sess, task, os.path.basename(csv_all), open(csv_all, "rb").read()))
    row("page preview, 200,000 households + header", csv_all, r, s)
    s.stop()
    # 199,999 households + header: the largest sheet the limit takes.
    s = fresh()
    sess = Session(user, db.password)
    preview = go(s, lambda: page_upload(sess, task, os.path.basename(csv_fit), open(csv_fit, "rb").read()))
    row("page preview, 199,999 households + header", csv_fit, preview, s)
    s.stop()
    times = {"preview": preview.seconds}
    if preview.status == 200:
        # The same browser session (the cookie outlives the restart): the
        # confirm form's CSRF token is that session's.
        s = fresh()
        r = go(s, lambda: confirm(sess, task, preview))
        after = db.households(task)
        row("page confirm (fresh server)", csv_fit, r, s,
            f"households in the task {before:,} → {after:,} (+{after - before:,})")
        times["confirm"] = r.seconds
        s.stop()
    s = fresh()
    other = db.tasks[LOADED[0]]
    held = db.households(other)
    r = go(s, lambda: api_import(db.tokens[LOADED[0]], other, os.path.basename(csv_fit), open(csv_fit, "rb").read()))
    row(f"API dry_run=true (task {other}, {held} households)", csv_fit, r, s)
    times["api"] = r.seconds
    s.stop()
    s = fresh()
    r = go(s, lambda: api_import(db.tokens[user], task, os.path.basename(csv_fit), open(csv_fit, "rb").read()))
    row(f"API dry_run=true (task {task}, now holding them: all duplicates)", csv_fit, r, s)
    s.stop()
    if "xlsx" in made:
        path = made["xlsx"][0]
        s = fresh()
        sess = Session(LOADED[0], db.password)
        r = go(s, lambda: page_upload(sess, db.tasks[LOADED[0]], "ho-dan.xlsx", open(path, "rb").read()))
        row(f"XLSX page preview, {made['xlsx'][1]:,} households", path, r, s)
        s.stop()
        s = fresh()
        r = go(s, lambda: api_import(db.tokens[LOADED[0]], db.tasks[LOADED[0]], "ho-dan.xlsx",
                                     open(path, "rb").read()))
        row(f"XLSX API dry_run=true, {made['xlsx'][1]:,} households", path, r, s)
        s.stop()
    report["measured"] = rows
    report["times"] = times


def loaded(db, binary, made, report):
    """The import while wrk drives /login and /tasks, on one server (VmHWM in
    order): a baseline as long as the step took alone, just before, then the
    step. A field worker logs a visit every half second, one at a time; then
    a second 199,999-row confirm into another task while visits are logged
    every half second in parallel (as a ward's teams do at 8 a.m.)."""
    task = db.tasks[LOADED[0]]
    path = made[f"csv{SHEET_ROWS - 1}"][0]
    data = open(path, "rb").read()
    times = report.get("times", {})
    s = Server(binary, db.url, db.run_dir).start()
    sess = Session(LOADED[0], db.password)
    other = Session(MEASURED[0], db.password)
    viewer = Session(LOADED[0], db.password)
    team = Session(TEAM, db.password)
    posts = visit_posts(team)
    windows, steps = [], []

    def window(label, action, length, parallel=False):
        probe = VisitProbe(team, posts, parallel) if posts else None
        if action is None:
            if probe:
                probe.start()
            w = [Wrk("/login", duration=length), Wrk("/tasks", viewer.cookie(), duration=length)]
            res = [x.result() for x in w]
            r = None
        else:
            w = [Wrk("/login"), Wrk("/tasks", viewer.cookie())]
            if probe:
                probe.start()
            time.sleep(0.5)
            r = action()
            res = [x.result(stop=True) for x in w]
        visits = probe.summary() if probe else None
        windows.append((label, res, visits, load_note()))
        for page, x in zip(("GET /login", "GET /tasks"), res):
            log(f"  {label}, {page}: {x['rps']:.0f} req/s, p50 {x['p50']} ms, p99 {x['p99']} ms, "
                f"max {x['max']} ms, errors {x['errors']}, timeouts {x['timeouts']} over {x['seconds']:.1f} s")
        if visits:
            log(f"  {label}, visit POSTs: {visits}")
        return r

    def step(label, r, cpu_before, extra=""):
        cpu = s.cpu_s()
        steps.append((label, r.status, r.seconds, None if cpu is None else cpu - cpu_before,
                      len(r.body), s.hwm_mb(), s.anon_mb(), what_it_said(r) + extra))
        log(f"  {label}: {r.status} in {r.seconds:.2f} s, VmHWM so far {mb(s.hwm_mb())} MB — {steps[-1][-1]}")

    length = min(BASELINE_MAX, max(5, round(times.get("preview", 10))))
    window(f"baseline ({length} s)", None, length)
    cpu = s.cpu_s()
    preview = window("during the preview upload",
                     lambda: page_upload(sess, task, os.path.basename(path), data), None)
    step("page preview under load", preview, cpu)
    before = db.households(task)
    length = min(BASELINE_MAX, max(5, round(times.get("confirm", BASELINE_MAX))))
    window(f"baseline ({length} s)", None, length)
    cpu = s.cpu_s()
    done = window("during the confirm", lambda: confirm(sess, task, preview), None)
    after = db.households(task)
    step("page confirm under load", done, cpu, f"; households {before:,} → {after:,}")
    # Another list on other parcels into the other task, previewed without
    # load, confirmed while visits are logged in parallel.
    task_b = db.tasks[MEASURED[0]]
    path_b = made["csvb"][0]
    cpu = s.cpu_s()
    preview_b = page_upload(other, task_b, os.path.basename(path_b), open(path_b, "rb").read())
    step("page preview of a second list (no load)", preview_b, cpu)
    before = db.households(task_b)
    cpu = s.cpu_s()
    done = window("during a confirm, visits in parallel", lambda: confirm(other, task_b, preview_b), None,
                  parallel=True)
    after = db.households(task_b)
    step("page confirm under load, visits in parallel", done, cpu, f"; households {before:,} → {after:,}")
    s.stop()
    report["loaded"] = (windows, steps)


def hostile(db, binary, made, report, limit):
    """Each file through the page, then the API (dry run), on a fresh server
    in the memory box; whether it still answers /healthz after each."""
    user = LOADED[0]
    task = db.tasks[user]
    cases = [(os.path.join(FIXTURES, "hostile", f), f"hostile/{f}", "fixture")
             for f in ("far_cell.xlsx", "huge_string.xlsx", "zip_bomb.ods")]
    cases += [(made["block"][0], "a1-cv1000000.xlsx", made["block"][1]),
              (made["block_refs"][0], "a1-cv-refs.xlsx", made["block_refs"][1]),
              (made["short"][0], "600000-rows.csv", made["short"][1]),
              (made[f"csv{SHEET_ROWS - 1}"][0], "ho-dan-199999.csv",
               "a clean 199,999-household list (the task already holds them)")]
    rows = []
    s = None
    for path, label, note in cases:
        data = open(path, "rb").read()
        name = os.path.basename(path)
        s = Server(binary, db.url, db.run_dir, limit).start()
        for via in ("page", "API dry_run"):
            if not s.alive():
                s.stop()
                s = Server(binary, db.url, db.run_dir, limit).start()
            if via == "page":
                sess = Session(user, db.password)
                r = page_upload(sess, task, name, data)
            else:
                r = api_import(db.tokens[user], task, name, data)
            time.sleep(0.2)
            alive = s.alive() and s.healthz()
            death = s.end_note()
            rows.append((label, note, size_text(len(data)), via, r.status, r.seconds, len(r.body),
                         s.hwm_mb(), s.anon_mb(), limit.peak_mb(),
                         "yes" if alive else f"NO ({death or 'no /healthz'})", what_it_said(r)))
            log(f"  {label} via {via}: {r.status} in {r.seconds:.2f} s, {len(r.body):,} B, "
                f"VmHWM {mb(s.hwm_mb())} MB, box peak {mb(limit.peak_mb())} MB, alive {alive} — "
                f"{what_it_said(r)}")
        s.stop()
        report["hostile"] = rows


def print_report(backend, report, made, limit, commands):
    out = []
    p = out.append
    p(f"\n### Import benchmark, {backend}, {date.today():%d/%m/%Y}\n")
    p(f"Machine: {machine()}. At start: {report['load_start']}. Server: release build of {report['built']}, WORKERS=2, "
      f"DB_POOL_SIZE={os.environ.get('BENCH_POOL', '4')}, demo data (`danvan demo`), 127.0.0.1:{PORT}.")
    p("")
    p("Files: " + "; ".join(f"`{os.path.basename(v[0])}` {size_text(os.path.getsize(v[0]))} ({v[1]})"
                            for k, v in made.items() if k != "xlsx")
      + (f"; `ho-dan.xlsx` {size_text(os.path.getsize(made['xlsx'][0]))} ({made['xlsx'][1]:,} households, "
         "openpyxl, number areas, full names and addresses)" if "xlsx" in made else "; no XLSX (no openpyxl)"))
    if "measured" in report:
        p("\n**Import alone, each step on a freshly started server** (peak memory = the step's own)\n")
        p("| step | file | size | status | time s | server CPU s | answer | VmHWM MB | RssAnon peak MB | what it said | load |")
        p("|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
        for label, f, size, status, t, cpu, ans, hwm, anon, said, ld in report["measured"]:
            p(f"| {label} | {f} | {size} | {status} | {secs(t)} | {secs(cpu)} | {size_text(ans)} | {mb(hwm)} "
              f"| {mb(anon)} | {said} | {ld} |")
    if "loaded" in report:
        windows, steps = report["loaded"]
        p(f"\n**Other pages while the import runs** (wrk -t1 -c{WRK_CONNECTIONS} on each page at once, "
          f"a baseline of the length of the step alone (at most {BASELINE_MAX} s) just before; a visit logged every 0.5 s by a "
          "field worker of another ward)\n")
        p("| window | page | s | req/s | p50 ms | p99 ms | max ms | errors | timeouts (30 s) | load |")
        p("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for label, res, visits, ld in windows:
            for page, x in zip(("GET /login", "GET /tasks (logged in)"), res):
                p(f"| {label} | {page} | {x['seconds']:.1f} | {x['rps']:,.0f} | {fmt(x['p50'])} | "
                  f"{fmt(x['p99'])} | {fmt(x['max'])} | {x['errors']} | {x['timeouts']} | {ld} |")
            if visits:
                how = "in parallel" if visits["parallel"] else "one at a time"
                p(f"| {label} | POST a visit (every 0.5 s, {how}) | | {visits['n']} sent | {fmt(visits['median'])} | "
                  f"| {fmt(visits['max'])} | {visits['bad']} | | statuses {visits['statuses']} |")
        p("\n| step (same server, in order) | status | time s | server CPU s (all requests) | answer | VmHWM so far MB | RssAnon peak MB | what it said |")
        p("|---|---:|---:|---:|---:|---:|---:|---|")
        for label, status, t, cpu, ans, hwm, anon, said in steps:
            p(f"| {label} | {status} | {secs(t)} | {secs(cpu)} | {size_text(ans)} | {mb(hwm)} | {mb(anon)} | {said} |")
    if "hostile" in report:
        p(f"\n**Hostile files, server in a memory box**: {limit.describe()}; a fresh server per file, "
          "page first then API (dry run); VmHWM in order on that server\n")
        p("| file | what | size | via | status | time s | answer | VmHWM MB | RssAnon peak MB | box peak MB | alive, /healthz | what it said |")
        p("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---|---|")
        for r in report["hostile"]:
            label, note, size, via, status, t, ans, hwm, anon, box, alive, said = r
            p(f"| {label} | {note} | {size} | {via} | {status} | {secs(t)} | {size_text(ans)} | {mb(hwm)} | "
              f"{mb(anon)} | {mb(box)} | {alive} | {said} |")
    p(f"\nAt the end: {load_note()}.")
    if VISIT_ERRORS:
        p("\nVisit POSTs answered other than 303 (first 5):\n")
        for line in VISIT_ERRORS[:5]:
            p(f"    {line}")
    if PROBLEMS:
        p("\nServer log lines worth a look:\n")
        for line in dict.fromkeys(PROBLEMS):
            p(f"    {line}")
    p("\nCommands: " + "; ".join(f"`{c}`" for c in commands))
    text = "\n".join(out)
    print(text, flush=True)
    with open(os.path.join(WORK, f"report-{backend}.md"), "w") as f:
        f.write(text + "\n")


def fmt(v):
    return "–" if v is None else f"{v:,.1f}"


def build(rev):
    """The release binary of the working tree (as bench.py builds it), or of
    a commit exported with git archive and built in a target directory of its
    own (seeded with target/release's dependencies), so that what others are
    editing meanwhile is not measured."""
    if not rev:
        return bench.build(), built_from(None)
    commit = subprocess.run(["git", "rev-parse", "--short", rev], cwd=bench.ROOT, capture_output=True,
                            text=True, check=True).stdout.strip()
    src = os.path.join(WORK, f"src-{commit}")
    target = os.path.join(WORK, "target")
    if not os.path.exists(os.path.join(src, "Cargo.toml")):
        os.makedirs(src, exist_ok=True)
        archive = subprocess.Popen(["git", "archive", commit], cwd=bench.ROOT, stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", src], stdin=archive.stdout, check=True)
        archive.wait()
    if not os.path.exists(os.path.join(target, "release")) and os.path.isdir(
            os.path.join(bench.target_dir(), "release")):
        os.makedirs(target, exist_ok=True)
        bench.sh(["cp", "-a", os.path.join(bench.target_dir(), "release"), target])
    log(f"== cargo build --release (commit {commit}, in {src})")
    bench.sh(["cargo", "build", "--release", "--quiet"], cwd=src, env=dict(os.environ, CARGO_TARGET_DIR=target))
    return os.path.join(target, "release", "danvan"), f"commit {commit} (git archive)"


def built_from(rev):
    """The working tree's commit, and whether it differed from it."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=bench.ROOT,
                          capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "templates", "locales",
                            "migrations", "static", "Cargo.toml", "Cargo.lock"], cwd=bench.ROOT,
                           capture_output=True, text=True).stdout.strip()
    return f"working tree at {head}" + (" with uncommitted changes in src/…" if dirty else "")


def stop_all():
    for w in WRKS:
        if w.proc.poll() is None:
            w.proc.kill()
    for server in list(RUNNING):
        server.stop()


def main():
    atexit.register(stop_all)
    # Stopped from outside: still stop the servers and wrk runs started here.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser()
    ap.add_argument("backend", nargs="?", default="sqlite", choices=["sqlite", "postgres"])
    ap.add_argument("--phases", default="measured,load,hostile")
    ap.add_argument("--memory-limit", type=int, default=512, help="MiB, for the hostile files")
    ap.add_argument("--limit-with", default="auto",
                    choices=["auto", "systemd-run", "cgroup2", "cgroup1", "prlimit"])
    ap.add_argument("--prlimit-as", type=int, default=None, help="bytes, with --limit-with prlimit")
    ap.add_argument("--rev", default="",
                    help="build this commit (git archive) instead of the working tree, e.g. HEAD")
    args = ap.parse_args()
    for tool in ("wrk", "sqlite3" if args.backend == "sqlite" else "psql"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed (apt-get install {tool})")
    phases = args.phases.split(",")
    report = {"load_start": load_note()}
    binary, report["built"] = build(args.rev)
    made = files()
    log(f"== fresh {args.backend} database with the demo data")
    db = Database(args.backend, binary)
    limit = None
    try:
        if "measured" in phases:
            log("== the import alone, fresh server per step")
            measured(db, binary, made, report)
        if "load" in phases:
            log("== the import under wrk")
            loaded(db, binary, made, report)
        if "hostile" in phases:
            limit = MemoryLimit(args.memory_limit * 2**20, args.limit_with, args.prlimit_as)
            log(f"== hostile files, memory box: {limit.describe()}")
            hostile(db, binary, made, report, limit)
    finally:
        stop_all()
        if limit:
            limit.close()
    commands = [f"cargo build --release{' (of ' + args.rev + ', exported with git archive)' if args.rev else ''}", f"DATABASE_URL={db.url} danvan demo",
                f"danvan token --username {MEASURED[0]} --name import-bench",
                f"danvan token --username {LOADED[0]} --name import-bench",
                f"DATABASE_URL={db.url} BIND_ADDR=127.0.0.1:{PORT} WORKERS=2 DB_POOL_SIZE=4 danvan serve",
                f"wrk -t1 -c{WRK_CONNECTIONS} -d<s>s --latency --timeout 30s {BASE}/login",
                f"wrk -t1 -c{WRK_CONNECTIONS} -d<s>s --latency --timeout 30s -H 'Cookie: …' {BASE}/tasks"]
    if limit:
        commands.append(limit.describe())
    print_report(args.backend, report, made, limit, commands)
    db.drop()


if __name__ == "__main__":
    main()
