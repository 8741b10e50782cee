// The site on a map, as the demo's ward committee member uses it: the task's
// map opened on a phone (360 px) from the task page, a parcel followed to its
// household, a filter by stage, the map printed on A4 and A3 landscape (kept
// as PDF and PNG under artifacts/), a cadastral file previewed, and the
// ward's map on the dashboard. Every page passes axe and the HTML checker.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join, resolve, dirname } from "node:path";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { DESKTOP, PHONE, Session, launch } from "../lib/browser.js";
import { artifacts, validateHtml } from "../lib/checks.js";
import { start } from "../lib/server.js";

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = resolve(here, "..", "..", "fixtures", "parcels");

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

/** Prints the map on `paper` landscape and keeps the PDF and a PNG of it. */
async function print(s, paper, size) {
  mkdirSync(artifacts, { recursive: true });
  await s.page.emulateMedia({ media: "print" });
  const hidden = await s.page.evaluate(() =>
    ["header.top", "nav.map-filter", ".map-actions", "footer"].every((sel) => [...document.querySelectorAll(sel)].every((e) => !e.checkVisibility())),
  );
  assert.ok(hidden, `${paper}: only the map, its legend and its heading print`);
  await s.page.pdf({ path: join(artifacts, `map-${paper}.pdf`), preferCSSPageSize: true, printBackground: true });
  await s.page.setViewportSize(size);
  await s.page.screenshot({ path: join(artifacts, `map-${paper}.png`) });
  await s.page.emulateMedia({ media: "screen" });
  await s.page.setViewportSize(DESKTOP);
}

test("a task's parcels on a phone, followed, filtered, printed, imported", async () => {
  const phone = await Session.open(browser, server.base, PHONE);
  await phone.login("capuy.tayho", server.demoPassword);
  await phone.go("/tasks", "task list");
  const task = await phone.page.$$eval("main a[href^='/tasks/']", (as) => as.map((a) => a.getAttribute("href")).find((h) => /^\/tasks\/\d+$/.test(h)));
  await phone.go(task, "task");
  await phone.submit("the task's map at 360 px", () => phone.page.locator("a[href$='/map']").first().click());
  const parcels = await phone.page.locator("svg.map .parcels a").count();
  assert.ok(parcels >= 40, `${parcels} parcels drawn`);
  assert.ok(await phone.page.locator("svg.map .visits circle").count() > 0, "visits with a place as dots");
  // The map keeps a readable size and scrolls inside its own frame.
  const frame = await phone.page.$eval("figure.map-figure", (f) => ({ frame: f.getBoundingClientRect().width, map: f.scrollWidth }));
  assert.ok(frame.frame <= PHONE.width && frame.map > frame.frame, `the map scrolls in its frame: ${JSON.stringify(frame)}`);
  await phone.page.screenshot({ path: join(artifacts, "map-phone.png"), fullPage: true });

  // A parcel leads to its household, whose page shows the parcel.
  await phone.submit("a parcel's household", () => phone.page.locator("svg.map .parcels a").first().click());
  assert.ok(await phone.page.locator("figure.parcel-figure svg.map").isVisible(), "the household's parcel");
  await phone.page.goBack();

  // Filtered to one stage group: the others stay as outlines.
  await phone.submit("the map filtered to handed over", () => phone.page.locator("nav.map-filter a[href$='group=handed_over']").click());
  const dim = await phone.page.locator("svg.map path.dim").count();
  const handed = await phone.page.locator("svg.map path.g4").count();
  assert.ok(handed > 0 && dim > 0, `${handed} handed over, ${dim} dimmed`);

  // Printed on A4 and on A3 landscape.
  const desk = await Session.open(browser, server.base, DESKTOP);
  await desk.login("capuy.tayho", server.demoPassword);
  const map = new URL(phone.page.url()).pathname;
  await desk.go(map, "the map on a desk");
  await print(desk, "a4", { width: 1047, height: 680 });
  await desk.go(`${map}?paper=a3`, "the map for A3");
  await print(desk, "a3", { width: 1512, height: 1047 });

  // A cadastral file previewed (its parcels are not the demo's: nothing matches).
  await desk.go(`${task}/parcels/import`, "parcel import");
  await desk.page.setInputFiles("#file", join(fixtures, "vn2000-shp.zip"));
  await desk.submit("parcel preview");
  assert.match(await desk.text(), /VN-2000, KTT 105°00'/);
  assert.match(await desk.text(), /11 hình/);

  // The ward's tasks on one map.
  await desk.go("/dashboard", "dashboard");
  const ward = await desk.page.$$eval("#unit option", (os) => os.map((o) => o.value).filter(Boolean)[0]);
  await desk.go(`/dashboard?unit=${ward}`, "the ward's dashboard with its map");
  assert.ok(await desk.page.locator("figure.map-figure svg.map").count() === 1, "the ward's map");

  const errors = validateHtml([...phone.watched.documents, ...desk.watched.documents]);
  assert.deepEqual(errors, [], "the HTML checker");
  await phone.close();
  await desk.close();
});
