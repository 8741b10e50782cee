// Every page the demo's accounts can reach, one account per role, on a phone
// (360 × 740): following the links of each page from the start page, as far
// as they lead within the site. No page may answer with a server error, and
// none may scroll sideways: what is wider than the screen (a long table)
// scrolls inside its own frame.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import { PHONE, launch } from "../lib/browser.js";
import { start } from "../lib/server.js";

/** Pages per account at the most, so the crawl ends whatever the data. */
const MAX_PAGES = 120;
/** Links not to follow: they act, download, or leave the session. */
const SKIP = [/^\/logout/, /^\/language/, /\.(xlsx|csv|ics|docx|pdf|zip|geojson)(\?|$)/, /\/export/, /\/download/, /\/files\//, /\/attachments\//, /^\/api\//, /^\/static\//, /\/feed/, /\/calendar\.ics/, /\/print/];

let server;
let browser;

before(async () => {
  server = await start({ demo: true });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A path worth visiting: ours, a page, not one of SKIP; pages of a list only once. */
function key(href, base) {
  let url;
  try {
    url = new URL(href, base);
  } catch {
    return null;
  }
  if (url.origin !== new URL(base).origin) return null;
  if (SKIP.some((re) => re.test(url.pathname))) return null;
  // One page of each list is enough: its other pages look the same.
  url.searchParams.delete("page");
  url.hash = "";
  return url.pathname + url.search;
}

async function crawl(username) {
  const context = await browser.newContext({ viewport: PHONE, locale: "vi-VN" });
  const page = await context.newPage();
  await page.goto(server.base + "/login");
  await page.fill("#username", username);
  await page.fill("#password", server.demoPassword);
  await Promise.all([page.waitForNavigation(), page.locator("main form button").first().click()]);
  const seen = new Set(["/"]);
  const queue = ["/"];
  const wide = [];
  const failed = [];
  let visited = 0;
  while (queue.length && visited < MAX_PAGES) {
    const path = queue.shift();
    const r = await page.goto(server.base + path);
    visited++;
    const status = r?.status() ?? 0;
    if (status >= 500) failed.push(`${path} → ${status}`);
    if (status !== 200 || !(r.headers()["content-type"] || "").startsWith("text/html")) continue;
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    if (width > PHONE.width) wide.push(`${path} is ${width} px wide`);
    const hrefs = await page.$$eval("a[href]", (as) => as.map((a) => a.getAttribute("href")));
    for (const href of hrefs) {
      const k = key(href, server.base + path);
      if (k && !seen.has(k)) {
        seen.add(k);
        queue.push(k);
      }
    }
  }
  await context.close();
  return { visited, wide, failed };
}

test("no page scrolls sideways on a phone or fails, for any role of the demo", async () => {
  // One account of each role the demo has.
  const byRole = new Map();
  for (const a of server.demoAccounts) if (!byRole.has(a.role)) byRole.set(a.role, a.username);
  assert.ok(byRole.size >= 5, `the demo has accounts of several roles: ${[...byRole.keys()]}`);
  const problems = [];
  let total = 0;
  for (const [role, username] of byRole) {
    const { visited, wide, failed } = await crawl(username);
    total += visited;
    assert.ok(visited > 1, `${username} (${role}) reached pages beyond the start page`);
    problems.push(...wide.map((w) => `${username}: ${w}`), ...failed.map((f) => `${username}: ${f}`));
  }
  console.log(`crawled ${total} pages as ${byRole.size} roles`);
  assert.deepEqual(problems, [], "pages that scroll sideways at 360 px or fail");
});
