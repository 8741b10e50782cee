// Takes the README's phone screenshots of a visit at the door: the start
// page, the visit form with a photo, the visit kept without signal, and the
// same visit sent once the signal is back. Run after `cargo build`:
//   node tools/field-screens.js   (writes docs/field/*.png)
import { fileURLToPath } from "node:url";
import { mkdirSync } from "node:fs";

import { PHONE, launch } from "../lib/browser.js";
import { start } from "../lib/server.js";

const out = fileURLToPath(new URL("../../../docs/field/", import.meta.url));
const photo = fileURLToPath(new URL("../../fixtures/photos/phone.jpg", import.meta.url));
mkdirSync(out, { recursive: true });

const server = await start({ demo: true });
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: PHONE, locale: "vi-VN", deviceScaleFactor: 1 });
  const page = await context.newPage();
  const shot = (name) => page.screenshot({ path: `${out}${name}.png` });
  await page.goto(server.base + "/login");
  await page.fill("#username", "totac.phuthuong");
  await page.fill("#password", server.demoPassword);
  await Promise.all([page.waitForNavigation(), page.locator("main form button").first().click()]);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.reload();
  await shot("1-start");

  const first = page.locator("ul.worklist a[href^='/households/']").first();
  await Promise.all([page.waitForNavigation(), first.click()]);
  await context.setOffline(true);
  await page.fill("#household_said", "Gia đình đồng ý phương án bồi thường, đã ký biên bản.");
  await page.setInputFiles("#photos", photo);
  await page.waitForFunction(() => /Đã chọn 1 ảnh/.test(document.getElementById("photos-hint").textContent));
  await page.locator("#log").scrollIntoViewIfNeeded();
  await shot("2-visit");

  await page.locator(".outcomes button[value=agrees]").click();
  await page.waitForSelector("#outbox");
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot("3-kept-offline");

  await context.setOffline(false);
  await page.waitForFunction(() => /Đã gửi 1/.test(document.getElementById("outbox")?.innerText || ""), null, { timeout: 20_000 });
  await page.reload();
  await page.evaluate(() => {
    const first = document.querySelector("ol.visits > li");
    window.scrollTo(0, first.getBoundingClientRect().top + window.scrollY - 60);
  });
  await page.waitForFunction(() => {
    const img = document.querySelector("ol.visits > li img");
    return img && img.complete && img.naturalWidth > 0;
  });
  await shot("4-stored");
  await context.close();
} finally {
  await browser.close();
  await server.stop();
}
