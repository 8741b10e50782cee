// A field worker at the door without signal: the worklist opened while
// there is some, three visits logged with the network off (one with a photo
// from the camera, its place in it), the page closed
// and opened again, the network back — each visit stored exactly once, with
// its date, and the households' stages right; the same visit sent again
// stores nothing new.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

import { PHONE, launch } from "../lib/browser.js";
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

const PHOTO = fileURLToPath(new URL("../../fixtures/photos/phone.jpg", import.meta.url));
const SAID = (n) => `Lần ghi không có mạng số ${n}: gia đình đã nhận thông báo.`;

/** How many entries of the household's log carry this text. */
async function logged(page, path, text) {
  await page.goto(server.base + path);
  const entries = await page.$$eval("ol.visits > li", (lis) => lis.map((li) => li.innerText));
  return entries.filter((e) => e.includes(text)).length;
}

test("visits logged without signal are kept on the phone and stored once when it returns", async () => {
  const context = await browser.newContext({ viewport: PHONE, locale: "vi-VN" });
  let page = await context.newPage();
  await page.goto(server.base + "/login");
  await page.fill("#username", "totac.phuthuong");
  await page.fill("#password", server.demoPassword);
  await Promise.all([page.waitForNavigation(), page.locator("main form button").first().click()]);
  // The worker takes over; the worklist opened under it keeps its households.
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.goto(server.base + "/visits/due");
  assert.ok(await page.evaluate(() => navigator.serviceWorker.controller !== null), "the page is under the worker");
  const households = (await page.$$eval("ul.worklist a[href^='/households/']", (as) => as.map((a) => a.getAttribute("href").split("#")[0]))).slice(0, 3);
  assert.equal(households.length, 3, "three households are due");
  const before = [];
  for (const h of households) {
    await page.goto(server.base + h);
    before.push(await page.$eval(".badge[class*='stage-']", (b) => b.className));
  }
  await page.goto(server.base + "/visits/due");

  await context.setOffline(true);
  for (const [n, h] of households.entries()) {
    const r = await page.goto(server.base + h);
    assert.equal(r.status(), 200, `${h} opens without signal`);
    await page.fill("#household_said", SAID(n + 1));
    await page.selectOption("#stage_after", "notice_received");
    await page.fill("#reason", "Ghi khi không có mạng");
    if (n === 0) {
      // A photo of the signed paper, scaled on the phone before it is kept.
      await page.setInputFiles("#photos", PHOTO);
      await page.waitForFunction(() => /Đã chọn 1 ảnh/.test(document.getElementById("photos-hint").textContent));
    }
    await page.locator("#log button.primary").click();
    // Kept on the phone: the page says how many wait (this one included).
    await page.waitForFunction(
      (count) => (document.getElementById("outbox")?.innerText || "").includes(`${count} lượt vận động chưa gửi`),
      n + 1,
      { timeout: 10_000 },
    );
  }
  const queued = await page.evaluate(
    () =>
      new Promise((ok) => {
        const r = indexedDB.open("danvan", 1);
        r.onsuccess = () => {
          const get = r.result.transaction("outbox").objectStore("outbox").getAll();
          get.onsuccess = () => ok(get.result);
        };
      }),
  );
  assert.equal(queued.length, 3, "three visits wait on the phone");
  assert.ok(queued.every((e) => e.id.length >= 8), "each with an id made on the phone");

  // The browser closed and opened again, still without signal: nothing lost.
  await page.close();
  page = await context.newPage();
  await page.goto(server.base + "/visits/due");
  await page.waitForSelector("#outbox");
  assert.match(await page.locator("#outbox").innerText(), /3 lượt vận động chưa gửi/);

  // Signal again: they go by themselves.
  await context.setOffline(false);
  await page.waitForFunction(() => /Đã gửi 3/.test(document.getElementById("outbox")?.innerText || ""), null, { timeout: 20_000 });
  for (const [n, h] of households.entries()) {
    assert.equal(await logged(page, h, SAID(n + 1)), 1, `${h}: the visit is stored once`);
    const stage = await page.$eval(".badge[class*='stage-']", (b) => b.className);
    assert.match(stage, /stage-notice_received/, `${h} moved to the visit's stage (was ${before[n]})`);
  }
  // The photo came with its visit, scaled on the phone: a JPEG without what
  // the camera wrote about where it was.
  const photos = () => page.$$eval("ol.visits > li", (lis, said) => lis.filter((li) => li.innerText.includes(said)).flatMap((li) => [...li.querySelectorAll(".photos img")].map((i) => i.getAttribute("src"))), SAID(1));
  await page.goto(server.base + households[0]);
  const [src, ...more] = await photos();
  assert.ok(src && more.length === 0, "one photo with the first visit");
  const photo = await page.evaluate(async (url) => {
    const r = await fetch(url);
    const text = new TextDecoder("latin1").decode(await r.arrayBuffer());
    return { type: r.headers.get("content-type"), gps: text.includes("GPS"), make: text.includes("Canon") };
  }, src);
  assert.deepEqual(photo, { type: "image/jpeg", gps: false, make: false });

  // The same visit sent again (a retry after a lost answer) stores nothing new.
  const again = queued[0];
  const status = await page.evaluate(
    async ({ entry, src }) => {
      const csrf = document.querySelector("input[name=_csrf]").value;
      const body = new FormData();
      // The fields as kept on the phone; the photo (a File, which does not
      // cross into the test) sent again as the stored one.
      for (const [k, v] of entry.fields) if (typeof v === "string") body.append(k, v);
      body.append("photos", await (await fetch(src)).blob(), "anh.jpg");
      const r = await fetch(entry.url, { method: "POST", body, headers: { "X-CSRF-Token": csrf } });
      return r.status;
    },
    { entry: again, src },
  );
  assert.equal(status, 200);
  assert.equal(await logged(page, households[0], SAID(1)), 1, "a replay of the same device id stores nothing new");
  assert.equal((await photos()).length, 1, "and no photo twice");
  await context.close();
});

test("a visit from the start page takes two taps and one typed field", async () => {
  const context = await browser.newContext({ viewport: PHONE, locale: "vi-VN" });
  const page = await context.newPage();
  await page.goto(server.base + "/login");
  await page.fill("#username", "totac.tayho");
  await page.fill("#password", server.demoPassword);
  await Promise.all([page.waitForNavigation(), page.locator("main form button").first().click()]);
  // Counted from the start page a field worker lands on.
  let taps = 0;
  let typed = 0;
  const tap = async (locator) => {
    taps++;
    await Promise.all([page.waitForNavigation(), locator.click()]);
  };
  const type = async (selector, text) => {
    typed++;
    await page.fill(selector, text);
  };
  const first = page.locator("#today-visits ~ ul.worklist a, section[aria-labelledby=today-visits] ul.worklist a").first();
  const name = await first.innerText();
  await tap(first);
  assert.match(await page.locator("h1").innerText(), new RegExp(name));
  const said = "Gia đình đồng ý nhận thông báo, hẹn tuần sau kiểm đếm.";
  await type("#household_said", said);
  const outcome = page.locator(".outcomes button:not(.unchanged)").first();
  const stage = await outcome.getAttribute("value");
  await tap(outcome);
  assert.ok(taps <= 4 && typed <= 2, `${taps} taps and ${typed} typed fields`);
  const entry = await page.locator("ol.visits > li").first().innerText();
  assert.match(entry, new RegExp(said.slice(0, 20)), "the visit is logged");
  assert.match(await page.locator(".badge[class*='stage-']").first().getAttribute("class"), new RegExp(`stage-${stage}`));
  // Today in Việt Nam (UTC+7), as the page writes dates.
  const vn = new Date(Date.now() + 7 * 3600 * 1000);
  const today = `${String(vn.getUTCDate()).padStart(2, "0")}/${String(vn.getUTCMonth() + 1).padStart(2, "0")}/${vn.getUTCFullYear()}`;
  assert.ok(entry.startsWith(today), `dated today (${today}): ${entry}`);
  await context.close();
});
