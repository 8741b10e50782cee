// Documents officials sign, as each maker opens them from the records of
// the demo: a visit's minutes and a task's list of households (a field
// worker), the year-end report (the Front's reviewer), the dispatch of an
// inspection's recommendations (the working group). Each print page passes
// the page checks, prints on A4 without the site around it, and is kept as
// a PDF and a PNG of its first page under artifacts/ for a person to look at.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { mkdirSync } from "node:fs";

import { DESKTOP, Session, launch } from "../lib/browser.js";
import { artifacts } from "../lib/checks.js";
import { start } from "../lib/server.js";

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

/** Prints the page on A4 and keeps it: the PDF, and its first page as PNG. */
async function keep(s, name) {
  mkdirSync(artifacts, { recursive: true });
  await s.page.emulateMedia({ media: "print" });
  const hidden = await s.page.evaluate(() =>
    ["header.top", "form", ".document-head", "footer"].every((sel) => [...document.querySelectorAll(sel)].every((e) => !e.checkVisibility())),
  );
  assert.ok(hidden, `${name}: nothing but the document prints`);
  await s.page.pdf({ path: join(artifacts, `document-${name}.pdf`), format: "A4", printBackground: false });
  // The first page as it prints: A4's printable width at 96 dpi.
  await s.page.setViewportSize({ width: 718, height: 1016 });
  await s.page.screenshot({ path: join(artifacts, `document-${name}.png`) });
  await s.page.emulateMedia({ media: "screen" });
  await s.page.setViewportSize(DESKTOP);
}

/** The national title and the motto each on one line of the printed page. */
async function oneLineEach(s) {
  await s.page.emulateMedia({ media: "print" });
  const lines = await s.page.$$eval(".decree-head td:last-child p.nowrap", (ps) => ps.map((p) => p.getClientRects().length));
  await s.page.emulateMedia({ media: "screen" });
  assert.deepEqual(lines, [1, 1]);
}

async function session(username) {
  const s = await Session.open(browser, server.base);
  await s.login(username, server.demoPassword);
  return s;
}

test("each document opens from its record, prints alone and is kept as PDF and PNG", async () => {
  const team = await session("totac.phuthuong");
  await team.go("/visits/due", "worklist");
  const household = await team.page.$eval("ul.worklist a[href^='/households/']", (a) => a.getAttribute("href").split("#")[0]);
  await team.go(household, "household");
  const minutes = await team.page.$eval("ol.visits a[href^='/documents/visit/']", (a) => a.getAttribute("href"));
  await team.go(minutes, "visit minutes: the head's form");
  await team.page.fill("#number", "12/BB-UBND");
  await team.page.fill("#signer", "Nguyễn Văn An");
  await team.submit("visit minutes: print page", () => team.page.locator("button[value=print]").click());
  assert.match(await team.text(), /12\/BB-UBND/);
  assert.match(await team.text(), /BIÊN BẢN/);
  await oneLineEach(team);
  await keep(team, "visit-minutes");

  await team.go(household, "household again");
  const taskLink = await team.page.$eval("main a[href^='/tasks/']", (a) => a.getAttribute("href").split("#")[0]);
  await team.go(taskLink, "task");
  const list = await team.page.$eval("a[href^='/documents/households/']", (a) => a.getAttribute("href"));
  // A dialogue held with two households, then its minutes and invitation.
  await team.go(`${taskLink}/dialogues/new`, "dialogue form");
  const today = await team.page.$eval("#held_on", (i) => i.value);
  if (!today) {
    const vn = new Date(Date.now() + 7 * 3600 * 1000);
    await team.page.fill("#held_on", `${String(vn.getUTCDate()).padStart(2, "0")}/${String(vn.getUTCMonth() + 1).padStart(2, "0")}/${vn.getUTCFullYear()}`);
  }
  await team.page.fill("#place", "Hội trường UBND phường Phú Thượng");
  await team.page.fill("#chaired_by", "Chủ tịch UBND phường");
  await team.page.fill("#summary", "Giải thích phương án bồi thường, hỗ trợ, tái định cư; các hộ nêu ý kiến.");
  const boxes = team.page.locator("input[name=households]");
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  await team.page.fill("#reason", "Đối thoại theo kế hoạch");
  await team.submit("dialogue held", () => team.page.locator("main form button.primary, main form button[type=submit]").last().click());
  await team.go(`${taskLink}?from=dialogue`, "task with its dialogue");
  const dialogue = await team.page.$eval("a[href^='/documents/dialogue/']", (a) => a.getAttribute("href"));
  await team.go(`${dialogue}?format=print`, "dialogue minutes: print page");
  assert.equal(await team.page.$$eval(".decree-table tbody tr", (trs) => trs.length), 2, "the two households present");
  await keep(team, "dialogue-minutes");
  const invitation = dialogue.replace("/dialogue/", "/invitation/");
  await team.go(`${invitation}?format=print`, "invitation: print page");
  assert.match(await team.text(), /GIẤY MỜI/);
  await keep(team, "invitation");

  await team.go(`${list}?format=print`, "household list: print page");
  const rows = await team.page.$$eval(".decree-table tbody tr", (trs) => trs.length);
  const total = await team.page.$eval(".decree-table tfoot", (t) => t.innerText);
  assert.match(total, new RegExp(`${rows} hộ`), "every household is listed, and counted");
  await keep(team, "household-list");
  await team.close();

  const reviewer = await session("mttq.tayho");
  await reviewer.go("/reviews", "rounds");
  const round = await reviewer.page.$$eval("main a[href^='/reviews/']", (as) => as.map((a) => a.getAttribute("href").match(/^\/reviews\/(\d+)/)).find(Boolean)[1]);
  await reviewer.go(`/reviews/${round}/report`, "year-end report");
  assert.match(await reviewer.text(), /NHẬN XÉT THEO TIÊU CHÍ/);
  await oneLineEach(reviewer);
  await keep(reviewer, "review-report");
  await reviewer.close();

  const group = await session("tocongtac.nghean");
  await group.go("/recommendations", "recommendations");
  const rec = await group.page.$$eval("main a[href^='/recommendations/']", (as) => as.map((a) => a.getAttribute("href")).find((h) => /^\/recommendations\/\d+$/.test(h)));
  await group.go(rec, "a recommendation");
  const dispatch = await group.page.$eval("a[href^='/documents/dispatch/']", (a) => a.getAttribute("href"));
  await group.go(`${dispatch}?format=print`, "dispatch: print page");
  assert.match(await group.text(), /V\/v đề nghị trả lời kiến nghị/);
  assert.match(await group.text(), /Kính gửi/);
  await keep(group, "dispatch");
  await group.close();
});
