// The journeys of the product's roles, in order, in headless Chromium against
// the real server on a fresh database: each builds on the one before, as on a
// ward's first weeks with the platform. Every page reached is checked by
// `check` (axe, phone width, weight, nothing from outside); the HTML of every
// page is validated by the Nu HTML Checker at the end.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";

import { artifacts, check, pages, screenshot, validateHtml } from "../lib/checks.js";
import { DESKTOP, PHONE, Session, launch } from "../lib/browser.js";
import { start } from "../lib/server.js";
import { workbook } from "../lib/xlsx.js";

const WARD = "Phường Thụy Khuê";
const TASK = "Giải phóng mặt bằng mương thoát nước Thụy Khuê";
const PASSWORD = "Mat-khau-rieng-2026";

let server;
let browser;
const sessions = [];
const accounts = {};
const world = {};

async function session(viewport = DESKTOP) {
  const s = await Session.open(browser, server.base, viewport);
  sessions.push(s);
  return s;
}

before(async () => {
  server = await start();
  browser = await launch();
});

after(async () => {
  for (const s of sessions) await s.close().catch(() => {});
  await browser?.close();
  await server?.stop();
});

// The app's day is Vietnam's (UTC+7), whatever the machine's time zone:
// read the shifted clock through the UTC getters.
const vn = () => new Date(Date.now() + 7 * 3600 * 1000);
const today = () => {
  const d = vn();
  return `${String(d.getUTCDate()).padStart(2, "0")}/${String(d.getUTCMonth() + 1).padStart(2, "0")}/${d.getUTCFullYear()}`;
};

test("1. an administrator logs in for the first time and sets up a ward and its people", async () => {
  const admin = await session();
  await admin.login("admin", server.password, PASSWORD);

  await admin.go("/admin/units/new", "new unit");
  await admin.page.fill("#name", WARD);
  await admin.choose("#kind", "Phường");
  await admin.page.selectOption("#parent_id", { index: 1 });
  await admin.submit("unit saved");
  assert.match(await admin.text(), new RegExp(WARD));

  const people = [
    ["capuy.thuykhue", "Nguyễn Văn Hùng", "Cấp ủy"],
    ["totac.thuykhue", "Trần Thị Mai", "Tổ công tác"],
    ["mttq.thuykhue", "Phạm Thị Lan", "Mặt trận"],
  ];
  for (const [username, fullName, role] of people) {
    await admin.go("/admin/users/new", `new user ${username}`);
    await admin.page.fill("#username", username);
    await admin.page.fill("#full_name", fullName);
    await admin.choose("#unit_id", WARD);
    await admin.choose("#role", role);
    await admin.submit(`user ${username} created`);
    const once = (await admin.text(".secret code")).trim();
    assert.ok(once.length >= 12, `a one-time password is shown for ${username}`);
    accounts[username] = { fullName, once };
  }
  await admin.go("/admin/users", "users");
  const list = await admin.text();
  for (const [, fullName] of people) assert.match(list, new RegExp(fullName));
  await screenshot(admin.page, "1-admin-users");
});

test("2. a committee member registers a clearance task and imports 50 households", async () => {
  const capuy = await session();
  await capuy.login("capuy.thuykhue", accounts["capuy.thuykhue"].once, PASSWORD);

  await capuy.go("/tasks/new", "new task");
  await capuy.page.fill("#title", TASK);
  await capuy.choose("#unit_id", WARD);
  await capuy.choose("#category_id", "Giải phóng mặt bằng");
  await capuy.page.fill("#description", "Mương thoát nước dài 1,2 km; 50 hộ bị ảnh hưởng.");
  await capuy.page.fill("#campaign_year", String(vn().getUTCFullYear()));
  await capuy.page.fill("#deadline", `31/12/${vn().getUTCFullYear()}`);
  await capuy.choose("#owner_id", accounts["capuy.thuykhue"].fullName);
  await capuy.choose("#team", accounts["totac.thuykhue"].fullName);
  await capuy.page.fill("#area_total_m2", "4.270,5");
  await capuy.submit("task registered");
  const url = new URL(capuy.page.url());
  world.task = url.pathname.match(/\/tasks\/(\d+)/)[1];
  assert.match(await capuy.text(), new RegExp(TASK));

  await capuy.go(`/tasks/${world.task}/households/import`, "import form");
  const rows = [["STT", "Chủ hộ", "Địa chỉ", "Tờ bản đồ số", "Thửa đất số", "Diện tích (m²)", "Điện thoại"]];
  const family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"];
  const given = ["Văn An", "Thị Bình", "Văn Cường", "Thị Dung", "Minh Đức"];
  for (let i = 1; i <= 50; i++) {
    rows.push([
      i,
      `${family[i % 10]} ${given[i % 5]} ${i}`,
      `Ngõ ${100 + i} Thụy Khuê`,
      "27",
      String(500 + i),
      // Typed as text the Vietnamese way, as offices do: 61,5 m².
      String(60 + i * 1.5).replace(".", ","),
      `09${String(12345600 + i).padStart(8, "0")}`,
    ]);
  }
  await capuy.page.setInputFiles("#file", {
    name: "ho-dan-thuy-khue.xlsx",
    mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    buffer: workbook(rows),
  });
  await capuy.submit("import preview");
  assert.match(await capuy.text(), /50 hộ, 0 dòng có lỗi/);
  assert.match(await capuy.text(), /61,5 m²/, "each area shown as it will be stored");
  await capuy.submit("import confirmed");
  assert.match(capuy.page.url(), new RegExp(`/tasks/${world.task}`));
  const page = await capuy.text();
  assert.match(page, /0\/50/, "50 households, none consented yet");
  await screenshot(capuy.page, "2-task-with-households");
});

/** Presses Tab until the focused element satisfies `test` (in the page). */
async function tabTo(page, description, predicate, arg) {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate(predicate, arg)) return;
  }
  assert.fail(`Tab never reached ${description}`);
}

const focusedIs = (id) => document.activeElement?.id === id;

/** On a phone the menu is folded behind one button: Tab to it, open it with Space. */
async function openMenu(page) {
  await tabTo(page, "the menu button", focusedIs, "menu-open");
  await page.keyboard.press("Space");
}
const focusedLink = (href) => document.activeElement?.getAttribute("href")?.startsWith(href);

/** Types into the field with this id, reached by Tab, replacing what it holds. */
async function typeInto(page, id, text) {
  await tabTo(page, `#${id}`, focusedIs, id);
  await page.keyboard.press("Control+A");
  await page.keyboard.type(text);
}

/** Picks an option of the focused select by typing the start of its text. */
async function pickByKeyboard(page, id, value) {
  await tabTo(page, `#${id}`, focusedIs, id);
  for (let i = 0; i < 30; i++) {
    if ((await page.$eval(`#${id}`, (s) => s.value)) === value) return;
    await page.keyboard.press("ArrowDown");
  }
  assert.fail(`#${id} never reached ${value}`);
}

test("3. a ward team member logs three visits on a phone, by keyboard alone", async () => {
  const totac = await session(PHONE);
  const { page } = totac;
  await totac.go("/login", "login on a phone");
  await typeInto(page, "username", "totac.thuykhue");
  await typeInto(page, "password", accounts["totac.thuykhue"].once);
  await totac.submit("first login on a phone", () => page.keyboard.press("Enter"));
  await typeInto(page, "current", accounts["totac.thuykhue"].once);
  await typeInto(page, "new", PASSWORD);
  await typeInto(page, "confirm", PASSWORD);
  await totac.submit("password chosen on a phone", () => page.keyboard.press("Enter"));

  const visits = [
    ["notice_received", ""],
    ["notice_received", ""],
    ["agrees", "Gia đình đồng ý ngay sau buổi đối thoại"],
  ];
  for (const [n, [stage, reason]] of visits.entries()) {
    await openMenu(page);
    await tabTo(page, "the visits-due link", focusedLink, "/visits/due");
    await totac.submit(`visits due (${n + 1})`, () => page.keyboard.press("Enter"));
    const due = await totac.text();
    assert.match(due, /Chưa tiếp cận/, "households never visited are due");
    await tabTo(page, "a household on the worklist", focusedLink, "/households/");
    await totac.submit(`household on a phone (${n + 1})`, () => page.keyboard.press("Enter"));
    assert.equal(await page.$eval("#visited_on", (i) => i.value), today(), "the visit is dated today");
    await typeInto(page, "household_said", "Gia đình đã nghe phổ biến chính sách bồi thường.");
    await pickByKeyboard(page, "stage_after", stage);
    if (reason) await typeInto(page, "reason", reason);
    await tabTo(page, "the save button", () => document.activeElement?.matches("#log button.primary"));
    await totac.submit(`visit ${n + 1} logged`, () => page.keyboard.press("Enter"));
  }

  await tabTo(page, "the link to the task", focusedLink, `/tasks/${world.task}`);
  await totac.submit("task page on a phone", () => page.keyboard.press("Enter"));
  const progress = await totac.text();
  assert.match(progress, /1\/50/, "one household agrees");
  assert.match(progress, /Đã nhận thông báo thu hồi\s+2/);
  assert.match(progress, /Chưa tiếp cận\s+47/);
  await screenshot(page, "3-progress-on-a-phone");
});

test("4. the Front's reviewer scores the task, publishes and prints the report", async () => {
  const mttq = await session();
  await mttq.login("mttq.thuykhue", accounts["mttq.thuykhue"].once, PASSWORD);
  const year = String(vn().getUTCFullYear());

  await mttq.go("/reviews/new", "new review round");
  await mttq.choose("#unit_id", WARD);
  await mttq.page.fill("#year", year);
  await mttq.page.fill("#title", `Giám sát việc khó năm ${year}`);
  await mttq.choose("#lead_id", accounts["mttq.thuykhue"].fullName);
  await mttq.page.fill("#self_due", `10/12/${year}`);
  await mttq.page.fill("#review_due", `25/12/${year}`);
  await mttq.page.fill("#report_number", "15/BC-MTTQ");
  await mttq.page.fill("#report_place", "Thụy Khuê");
  await mttq.page.fill("#signer_title", "TM. BAN THƯỜNG TRỰC");
  await mttq.page.fill("#signer_name", accounts["mttq.thuykhue"].fullName);
  await mttq.submit("round opened");
  const round = new URL(mttq.page.url()).pathname.match(/\/reviews\/(\d+)/)[1];

  const move = async (to, label) => {
    await mttq.submit(label, () =>
      mttq.page.locator(`form[action="/reviews/${round}/status"]:has(input[name=status][value=${to}]) button`).click(),
    );
  };
  await move("self_assessment", "criteria published");
  await move("scoring", "scoring begins");

  await mttq.go(`/reviews/${round}/tasks/${world.task}`, "task to score");
  const inputs = mttq.page.locator("#score input[name^=score_]");
  const n = await inputs.count();
  assert.ok(n >= 3, "a score per criterion");
  for (let i = 0; i < n; i++) {
    const legend = await inputs.nth(i).locator("xpath=ancestor::fieldset/legend").innerText();
    const max = Number(legend.match(/(\d+(?:,\d+)?)\D*\)$/)[1].replace(",", "."));
    await inputs.nth(i).fill(String(Math.round(max * 0.8)).replace(".", ","));
  }
  await mttq.page.fill("#score textarea[name^=comment_]", "Vận động kiên trì, đúng quy trình.");
  await mttq.submit("scores saved", () => mttq.page.locator("#score button[type=submit]").click());

  await mttq.go(`/reviews/${round}`, "round before publishing");
  await move("published", "round published");
  assert.match(await mttq.text(), /Đã công bố/);

  await mttq.go(`/reviews/${round}/report`, "report");
  const report = await mttq.text();
  assert.match(report, new RegExp(TASK));
  assert.match(report, /15\/BC-MTTQ/);

  // Printed on A4: the site's navigation and forms stay off the paper, and
  // nothing is wider than the printable width.
  await mttq.page.emulateMedia({ media: "print" });
  const printed = await mttq.page.evaluate(() => ({
    nav: getComputedStyle(document.querySelector("header.top")).display,
    widest: Math.max(...[...document.querySelectorAll("main *")].map((e) => e.getBoundingClientRect().right)),
  }));
  assert.equal(printed.nav, "none", "the header is not printed");
  await mttq.page.setViewportSize({ width: 718, height: 1000 }); // 190 mm at 96 dpi
  const fits = await mttq.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  assert.ok(fits, "the report fits the A4 printable width");
  await mttq.page.pdf({ path: join(artifacts, "4-review-report.pdf"), format: "A4", printBackground: false });
  await mttq.page.emulateMedia({ media: "screen" });
  await mttq.page.setViewportSize(DESKTOP);
  await screenshot(mttq.page, "4-review-report");

  // The task page prints cleanly too.
  await mttq.go(`/tasks/${world.task}`, "task page for print");
  await mttq.page.emulateMedia({ media: "print" });
  await mttq.page.setViewportSize({ width: 718, height: 1000 });
  assert.ok(
    await mttq.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
    "the task page fits the A4 printable width",
  );
  await mttq.page.pdf({ path: join(artifacts, "4-task-page.pdf"), format: "A4" });
});

test("5. a citizen answers the feedback link on a phone", async () => {
  const capuy = await session();
  await capuy.login("capuy.thuykhue", PASSWORD);
  await capuy.go("/desk/new", "new desk duty");
  await capuy.choose("#unit_id", WARD);
  await capuy.page.fill("#name", "Ngày thứ Ba đồng hành với công dân");
  await capuy.page.fill("#place", "Bộ phận một cửa phường Thụy Khuê");
  await capuy.page.selectOption("#weekday", { index: vn().getUTCDay() === 0 ? 6 : vn().getUTCDay() - 1 });
  await capuy.page.fill("#start_time", "07:30");
  await capuy.page.fill("#end_time", "11:30");
  await capuy.page.fill("#starts_on", today());
  await capuy.choose("#officials", accounts["capuy.thuykhue"].fullName);
  await capuy.submit("duty saved");
  await capuy.submit("rota generated", () => capuy.page.locator("form[action$=generate] button").click());
  await capuy.page.locator("a[href^='/desk/shifts/']").first().click();
  await capuy.page.waitForLoadState("load");
  await check(capuy.page, capuy.watched, "first shift");
  await capuy.page.selectOption("#procedure_id", { index: 1 });
  await capuy.page.fill("#citizen_name", "Nguyễn Ngọc Thủy");
  await capuy.page.fill("#note", "Hỏi thủ tục chuyển mục đích sử dụng đất, thửa 525 tờ 27");
  await capuy.choose("#outcome", "Hướng dẫn");
  await capuy.submit("case recorded: its feedback link", () =>
    capuy.page.locator("form[action$=cases] button[type=submit]").click(),
  );
  assert.match(capuy.page.url(), /\/desk\/cases\/\d+$/);
  const link = await capuy.page.locator("a[href*='/f/']").first().getAttribute("href");
  const path = new URL(link, server.base).pathname;

  const citizen = await session(PHONE);
  await citizen.go(path, "feedback form on a phone");
  const form = await citizen.text();
  assert.doesNotMatch(form, /Nguyễn Ngọc Thủy|thửa 525/, "nothing personal is shown");
  await citizen.page.locator("input[name=rating]").first().check();
  await citizen.page.fill("#comment", "Cán bộ hướng dẫn tận tình, dễ hiểu.");
  await citizen.submit("feedback sent");
  assert.match(await citizen.text(), /Cảm ơn/);
  await screenshot(citizen.page, "5-feedback-thanks");
});

test("6. wrong input shows messages beside the fields and keeps what was typed", async () => {
  const capuy = await session();
  await capuy.login("capuy.thuykhue", PASSWORD);
  await capuy.go("/tasks/new", "new task again");
  await capuy.page.fill("#title", "");
  await capuy.page.fill("#description", "Chỉnh trang vỉa hè phố Thụy Khuê");
  await capuy.page.fill("#campaign_year", "hai nghìn");
  await capuy.page.fill("#deadline", "31/02/2026");
  // The browser's own checks would stop an empty required field; the server's are what count.
  await capuy.page.$eval("main form", (f) => (f.noValidate = true));
  await capuy.submit("task form refused", undefined, 422);
  const problems = await capuy.page.$$eval("[aria-invalid=true]", (els) =>
    els.map((e) => ({ id: e.id, message: document.getElementById(e.getAttribute("aria-describedby"))?.innerText })),
  );
  const ids = problems.map((p) => p.id);
  for (const id of ["title", "campaign_year", "deadline"]) assert.ok(ids.includes(id), `${id} is marked: ${ids}`);
  for (const p of problems) assert.ok(p.message && p.message.length > 3, `${p.id} has a message beside it`);
  assert.equal(await capuy.page.$eval("#description", (e) => e.value), "Chỉnh trang vỉa hè phố Thụy Khuê");
  assert.equal(await capuy.page.$eval("#campaign_year", (e) => e.value), "hai nghìn");
  assert.equal(await capuy.page.$eval("#deadline", (e) => e.value), "31/02/2026");
  await screenshot(capuy.page, "6-form-errors");
});

test("every page of the journeys is valid HTML and light", () => {
  const documents = sessions.flatMap((s) => s.watched.documents);
  assert.ok(documents.length >= 30, `${documents.length} pages`);
  const errors = validateHtml(documents);
  assert.deepEqual(errors, [], "Nu HTML Checker");
  const heaviest = pages.reduce((a, b) => (a.bytes > b.bytes ? a : b));
  console.log(`${pages.length} pages checked; heaviest: ${heaviest.label}, ${heaviest.bytes} bytes`);
});
