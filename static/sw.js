// The service worker: pages kept for reading without signal, and a form
// posted without signal brought back to the page it came from (where the
// page's script keeps it until it can be sent). Nothing from outside.
const PAGES = "danvan-pages-v1";
const SHELL = "danvan-shell-v1";
const SHELL_FILES = ["/static/app.css", "/static/app.js", "/offline"];
// Pages kept for reading offline: the start page, the worklists, a task and
// a household (with its last visits).
const KEPT = [/^\/$/, /^\/visits\/due$/, /^\/tasks\/mine$/, /^\/tasks\/\d+$/, /^\/households\/\d+$/];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((c) => c.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== PAGES && k !== SHELL).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("message", (event) => {
  // On logout the kept pages go: they hold personal details.
  if (event.data === "forget") event.waitUntil(caches.delete(PAGES));
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.method === "POST" && req.mode === "navigate") {
    // No signal: back to the page the form was on, where it waits unsent.
    event.respondWith(fetch(req).catch(() => Response.redirect(req.referrer || "/", 303)));
    return;
  }
  if (req.method !== "GET") return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(fetch(req).catch(() => caches.match(req, { ignoreSearch: true })));
    return;
  }
  if (req.mode === "navigate" || KEPT.some((re) => re.test(url.pathname))) {
    event.respondWith(network(req, url));
  }
});

/** The network first; what answered is kept if it is a page worth keeping. */
async function network(req, url) {
  try {
    const res = await fetch(req);
    const keep = res.ok && !res.redirected && KEPT.some((re) => re.test(url.pathname));
    if (keep) {
      const copy = res.clone();
      caches.open(PAGES).then((c) => c.put(url.pathname, copy));
    }
    return res;
  } catch (e) {
    const kept = (await caches.match(url.pathname, { cacheName: PAGES })) || (await caches.match("/offline"));
    if (kept) return kept;
    throw e;
  }
}
