// What every page of the journeys must pass, checked as it is reached:
// axe-core (no serious or critical violation), the phone width (no sideways
// scrolling), the weight of everything it transferred; and, collected for
// one run of the Nu HTML Checker at the end, the HTML as the server sent it.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const here = dirname(fileURLToPath(import.meta.url));
export const artifacts = resolve(here, "..", "artifacts");

/** The most a page may transfer, HTML, CSS and anything else it loads. */
export const MAX_PAGE_BYTES = 100 * 1024;

/**
 * Watches one browser page: the bytes each navigation transfers (the cache
 * is off, so every page pays for its CSS) and the HTML of each document.
 */
export async function watch(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  const state = { bytes: 0, external: [], documents: [] };
  cdp.on("Network.loadingFinished", (e) => (state.bytes += e.encodedDataLength));
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (!["127.0.0.1", "localhost"].includes(url.hostname) && url.protocol !== "data:") {
      state.external.push(r.url());
    }
  });
  page.on("response", async (r) => {
    if (r.request().resourceType() !== "document" || r.status() !== 200) return;
    if (!(r.headers()["content-type"] || "").startsWith("text/html")) return;
    try {
      state.documents.push({ url: r.url(), html: await r.text() });
    } catch {
      // a document replaced before its body was read; the next one counts
    }
  });
  return state;
}

export const pages = [];

/**
 * Checks the page as it stands, under a label for the reports: accessibility,
 * width (at the window's size and at 200% zoom), weight, nothing from outside.
 */
export async function check(page, watched, label) {
  await page.waitForLoadState("load");
  // The weight of this page: what arrived since the previous check.
  const bytes = watched.bytes;
  watched.bytes = 0;
  assert.ok(bytes <= MAX_PAGE_BYTES, `${label}: ${bytes} bytes transferred`);
  assert.deepEqual(watched.external, [], `${label}: loads nothing from outside`);

  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ["violations"] }),
  );
  const bad = result.violations
    .filter((v) => ["serious", "critical"].includes(v.impact))
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  assert.deepEqual(bad, [], `${label}: axe`);

  await assertNoSidewaysScroll(page, label);
  // At 200% zoom a 1280-pixel window lays pages out in 640 CSS pixels: the
  // same page must still fit, its text at least 16 pixels before zooming.
  const viewport = page.viewportSize();
  if (viewport.width > 640) {
    await page.setViewportSize({ width: 640, height: viewport.height / 2 });
    await assertNoSidewaysScroll(page, `${label} at 200%`);
    await page.setViewportSize(viewport);
  }
  const fontSize = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
  assert.ok(fontSize >= 16, `${label}: body text is ${fontSize}px`);

  pages.push({ label, url: page.url(), bytes });
}

async function assertNoSidewaysScroll(page, label) {
  const width = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    view: window.innerWidth,
  }));
  assert.ok(width.scroll <= width.view, `${label}: ${width.scroll}px wide in a ${width.view}px window`);
}

/** Saves a screenshot of the page under artifacts/, for a person to look at. */
export async function screenshot(page, name) {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

/**
 * Runs the Nu HTML Checker over every document the journeys received; returns
 * its errors as "url: message" lines.
 */
export function validateHtml(documents) {
  const dir = join(artifacts, "html");
  mkdirSync(dir, { recursive: true });
  const files = [];
  const urls = new Map();
  documents.forEach((d, i) => {
    const file = join(dir, `page-${String(i).padStart(3, "0")}.html`);
    writeFileSync(file, d.html);
    files.push(file);
    urls.set(`file:${file}`, d.url);
  });
  if (files.length === 0) return [];
  const jar = require.resolve("vnu-jar/build/dist/vnu.jar");
  let out;
  try {
    out = execFileSync("java", ["-jar", jar, "--errors-only", "--format", "json", ...files], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e) {
    // vnu exits non-zero when it finds errors; the report is on stderr.
    out = e.stderr || e.stdout;
  }
  const report = JSON.parse(out || '{"messages":[]}');
  return report.messages
    .filter((m) => m.type === "error")
    .map((m) => `${urls.get(m.url) || m.url}:${m.lastLine}: ${m.message}`);
}
