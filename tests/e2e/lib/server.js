// Starts the real server (the debug binary `cargo test` built) on a fresh
// database and a free port, and reads the first-login password it prints.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export function binary() {
  if (process.env.DANVAN_BIN) return process.env.DANVAN_BIN;
  const target = process.env.CARGO_TARGET_DIR || join(root, "target");
  return join(target, "debug", "danvan");
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/**
 * A server on an empty database: SQLite in a temporary folder, or, when
 * E2E_DATABASE_URL names a PostgreSQL server, a database created there for
 * the run. Resolves once /healthz answers, with the address and the
 * administrator's one-time password.
 */
export async function start({ demo = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "danvan-e2e-"));
  const port = await freePort();
  const env = {
    ...process.env,
    DATA_DIR: dir,
    BIND_ADDR: `127.0.0.1:${port}`,
    WORKERS: "2",
    DAILY_HOUR: "off",
    RUST_LOG: "warn",
    DATABASE_URL: "",
  };
  // On PostgreSQL each server gets a database of its own on that server,
  // dropped when it stops, as each SQLite server gets its own folder.
  let dropDatabase = () => {};
  if (process.env.E2E_DATABASE_URL) {
    const url = new URL(process.env.E2E_DATABASE_URL);
    const admin = new URL(url);
    admin.pathname = "/postgres";
    const name = `danvan_e2e_${process.pid}_${port}`;
    execFileSync("psql", [admin.href, "-qc", `CREATE DATABASE ${name}`]);
    url.pathname = `/${name}`;
    env.DATABASE_URL = url.href;
    dropDatabase = () => execFileSync("psql", [admin.href, "-qc", `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
  }
  delete env.SMTP_HOST;
  // The demo goes in before the server starts, as `danvan demo` on a new
  // database does; its accounts share one password, printed once.
  let demoPassword = null;
  let demoAccounts = [];
  if (demo) {
    const out = execFileSync(binary(), ["demo"], { env, cwd: root, encoding: "utf8" });
    demoPassword = out.match(/password for all: ([^)\s]+)/)[1];
    demoAccounts = [...out.matchAll(/^ {2}(\S+) +(.+)$/gm)].map(([, username, role]) => ({ username, role }));
  }
  const child = spawn(binary(), ["serve"], { env, cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server stopped:\n${out}`);
    if (Date.now() > deadline) throw new Error(`the server did not answer in time:\n${out}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok && (demo || /one-time password: (\S+)/.test(out))) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const password = demo ? null : out.match(/one-time password: (\S+)/)[1];
  return {
    base,
    password,
    demoPassword,
    demoAccounts,
    log: () => out,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r() : child.on("exit", r)));
      rmSync(dir, { recursive: true, force: true });
      dropDatabase();
    },
  };
}
