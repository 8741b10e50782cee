// A browser session per role, with the helpers the journeys share: open a
// page and check it, submit a form and check where it lands, pick options by
// their visible text.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import { check, watch } from "./checks.js";

export const PHONE = { width: 360, height: 740 };
export const DESKTOP = { width: 1280, height: 800 };

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
}

export class Session {
  static async open(browser, base, viewport = DESKTOP) {
    // axe is injected through the DevTools protocol, so the app's own
    // Content-Security-Policy stays as served.
    const context = await browser.newContext({ viewport, locale: "vi-VN" });
    const page = await context.newPage();
    const s = new Session(base, context, page);
    s.watched = await watch(page);
    return s;
  }

  constructor(base, context, page) {
    this.base = base;
    this.context = context;
    this.page = page;
  }

  /** Opens a path and checks the page. */
  async go(path, label) {
    const r = await this.page.goto(this.base + path);
    assert.equal(r.status(), 200, `${label}: GET ${path}`);
    await check(this.page, this.watched, label);
  }

  /** Clicks (or presses) what submits a form (not a people picker's "find" button), waits for the next page, checks it. */
  async submit(label, action = () => this.page.locator("main form button[type=submit]:not([name=finding]), main form button.primary").first().click(), status = 200) {
    const [r] = await Promise.all([this.page.waitForNavigation(), action()]);
    assert.equal(r.status(), status, `${label}: ${await this.page.locator("main").innerText()}`);
    await check(this.page, this.watched, label);
    return r;
  }

  /** Chooses the option of a select whose text contains `text`. */
  async choose(selector, text) {
    const value = await this.page.$eval(
      selector,
      (s, t) => [...s.options].find((o) => o.text.includes(t))?.value,
      text,
    );
    assert.ok(value !== undefined, `${selector} has an option "${text}"`);
    await this.page.selectOption(selector, value);
    return value;
  }

  async text(selector = "main") {
    return this.page.locator(selector).innerText();
  }

  /** Logs in; with a one-time password, chooses the new one as asked. */
  async login(username, password, newPassword) {
    await this.go("/login", "login page");
    await this.page.fill("#username", username);
    await this.page.fill("#password", password);
    await this.submit(`login ${username}`);
    if (newPassword) {
      assert.match(this.page.url(), /\/account\/password/, "a one-time password must be changed first");
      await this.page.fill("#current", password);
      await this.page.fill("#new", newPassword);
      await this.page.fill("#confirm", newPassword);
      await this.submit(`${username} chooses a password`);
    }
    assert.doesNotMatch(this.page.url(), /\/login|\/account\/password/);
  }

  async close() {
    await this.context.close();
  }
}
