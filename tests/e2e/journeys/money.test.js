// Compensation and the public page, as the demo's Phú Thượng committee
// member and a citizen use them: the Nam Thăng Long task's figures added up
// from its households, a payment recorded from a household's page (which
// moves its stage), the plan's versions, the public page switched on and
// opened without login on a phone (360 px), a question sent. Every page
// passes axe and the HTML checker; the public page names no household.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { mkdirSync } from "node:fs";

import { DESKTOP, PHONE, Session, launch } from "../lib/browser.js";
import { artifacts, validateHtml } from "../lib/checks.js";
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

test("money recorded at the office, progress read by the public", async () => {
  const desk = await Session.open(browser, server.base, DESKTOP);
  await desk.login("capuy.phuthuong", server.demoPassword);
  await desk.go("/tasks", "task list");
  const task = await desk.page.$$eval("main a[href^='/tasks/']", (as) =>
    as.find((a) => a.textContent.includes("Nam Thăng Long"))?.getAttribute("href"));
  assert.ok(task, "the Nam Thăng Long task is listed");
  await desk.go(task, "task");
  const figures = await desk.text("main");
  assert.match(figures, /182\.900\.000\.000 đ/, "the paid total the households add up to");
  assert.match(figures, /Số phương án đã phê duyệt\s+26/);

  // Every household's name, to look for on the public page.
  const names = await desk.page.$$eval("main a[href^='/households/']", (as) => as.map((a) => a.textContent.trim()).filter(Boolean));
  assert.ok(names.length >= 40, `${names.length} households listed`);

  // A household whose plan is approved: a payment from its own page.
  await desk.go(`${task}?stage=plan_approved`, "households with an approved plan");
  const household = await desk.page.$eval("main a[href^='/households/']", (a) => a.getAttribute("href"));
  await desk.go(household, "household");
  await desk.page.locator("#money details summary").click();
  await desk.page.fill("#money #reference", "UNC 77001");
  await desk.submit("payment recorded", () => desk.page.locator("#money form button.primary").click());
  assert.match(await desk.text("main"), /Đã nhận tiền/, "the stage moved with the payment");
  assert.match(await desk.text("main"), /UNC 77001/, "the record is in the household's log");
  await desk.go(`${household}/compensation`, "compensation page");
  assert.ok(await desk.page.locator("table.money-plans tbody tr").count() >= 2, "the plan's versions");

  // The public page: switched on, its link and QR code on the task page.
  await desk.go(task, "task again");
  await desk.submit("public page on", () => desk.page.locator("#public button.primary").click());
  const link = await desk.page.$eval("#public a[href^='/p/']", (a) => a.getAttribute("href"));
  assert.ok(await desk.page.locator("#public .public-qr svg").count() === 1, "the QR code");
  await desk.go(`${task}/public/poster`, "poster to print");

  // A citizen on a phone, without an account.
  const citizen = await Session.open(browser, server.base, PHONE);
  await citizen.go(link, "public page at 360 px");
  const page = await citizen.text("main");
  for (const name of names) {
    assert.ok(!page.includes(name), `the public page does not name ${name}`);
  }
  assert.match(page, /\d{3}\.\d{3}\.\d{3}\.\d{3} đ \(\d+%/, "money paid against approved (more than the demo's 182.9 billion by now)");
  assert.ok(await citizen.page.locator("main a[href^='/households/']").count() === 0, "no link to a household");
  const width = await citizen.page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `no sideways scrolling: ${width}`);
  mkdirSync(artifacts, { recursive: true });
  await citizen.page.screenshot({ path: join(artifacts, "public-phone.png"), fullPage: true });
  await citizen.go(`${link}/ask`, "question form");
  await citizen.page.fill("#question", "Khi nào có nhà tái định cư?");
  await citizen.submit("question sent");
  assert.match(await citizen.text("main"), /Đã gửi câu hỏi/);
  await citizen.go(link.replace(/\/p\/.*/, "/public/units/1"), "the province's public projects");

  const errors = validateHtml([...desk.watched.documents, ...citizen.watched.documents]);
  assert.deepEqual(errors, [], "the HTML checker");
  await citizen.close();
  await desk.close();
});
