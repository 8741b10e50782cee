// Progressive enhancement for the field, small and on its own: every page
// works without it. It registers the service worker (pages kept for reading
// without signal), keeps a form marked `data-offline` on the device before it
// is sent (IndexedDB, with an id made here, so the server stores it once
// however often it arrives), shows what is not sent yet, and sends it when
// the connection returns or the next page loads, after a login if the session
// ran out. Nothing queued is dropped until the server has it.
(() => {
  "use strict";
  const text = document.getElementById("offline-text")?.dataset || {};
  const loggedIn = document.body.dataset.user === "1";
  const say = (key, n) => (text[key] || key).replace("%n", String(n));

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(() => {});
  }

  // ------------------------------------------------------------ the outbox
  const STORE = "outbox";
  const open = () =>
    new Promise((ok, fail) => {
      const r = indexedDB.open("danvan", 1);
      r.onupgradeneeded = () => r.result.createObjectStore(STORE, { keyPath: "id" });
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
  const store = async (mode, act) => {
    const db = await open();
    return new Promise((ok, fail) => {
      const t = db.transaction(STORE, mode);
      const req = act(t.objectStore(STORE));
      t.oncomplete = () => ok(req.result);
      t.onerror = () => fail(t.error);
    });
  };
  const queued = () => store("readonly", (s) => s.getAll());
  const keep = (entry) => store("readwrite", (s) => s.put(entry));
  const forget = (id) => store("readwrite", (s) => s.delete(id));

  const newId = () =>
    crypto.randomUUID
      ? crypto.randomUUID()
      : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");

  // A form marked data-offline is kept on the device first, then sent: by
  // the browser when there is signal (the service worker brings it back here
  // if the signal drops on the way), later by `send` when there is none.
  document.addEventListener("submit", async (ev) => {
    const form = ev.target;
    if (!(form instanceof HTMLFormElement) || !form.matches("form[data-offline]")) return;
    if (form.dataset.kept) return;
    ev.preventDefault();
    await scaling;
    const id = form.elements.device_id?.value || newId();
    if (form.elements.device_id) form.elements.device_id.value = id;
    if (form.elements.made_at) form.elements.made_at.value = new Date().toISOString();
    const fields = [...new FormData(form, ev.submitter)];
    const entry = { id, url: form.action, fields, label: form.dataset.offline, madeAt: Date.now(), state: "waiting" };
    try {
      await keep(entry);
    } catch {
      form.submit(); // no storage here (a private window): as without script
      return;
    }
    if (navigator.onLine) {
      form.dataset.kept = "1";
      form.requestSubmit(ev.submitter);
    } else {
      // Ready for the next visit: a hidden field keeps what script put in
      // it through a reset, so the phone's part is cleared by hand.
      form.reset();
      for (const name of ["device_id", "made_at", "latitude", "longitude", "accuracy_m"]) {
        if (form.elements[name]) form.elements[name].value = "";
      }
      for (const hint of form.querySelectorAll("[data-was]")) hint.textContent = hint.dataset.was;
      show(await queued(), 0, say("saved"));
    }
  });

  // Sends what waits, oldest first; stops at the first sign of no signal or
  // of a session that ran out (it goes on after the next login).
  let sending = false;
  async function send() {
    if (sending) return;
    sending = true;
    let sent = 0;
    try {
      const waiting = (await queued()).sort((a, b) => a.madeAt - b.madeAt);
      const csrf = document.querySelector("input[name=_csrf]")?.value;
      for (const entry of waiting) {
        if (!loggedIn || !csrf || !navigator.onLine) break;
        const pairs = entry.fields.map(([k, v]) => [k, k === "_csrf" ? csrf : v]);
        const files = pairs.some(([, v]) => v instanceof Blob);
        let body = new URLSearchParams(pairs.filter(([, v]) => !(v instanceof Blob)));
        if (files) {
          body = new FormData();
          for (const [k, v] of pairs) body.append(k, v);
        }
        let res;
        try {
          // A multipart form's token is read from this header (the one in
          // its address may be from a session that has ended).
          const headers = { "X-CSRF-Token": csrf };
          res = await fetch(entry.url, { method: "POST", body, headers, credentials: "same-origin" });
        } catch {
          break; // no signal after all
        }
        if (new URL(res.url).pathname === "/login") break;
        if (res.ok && res.redirected) {
          await forget(entry.id);
          sent++;
        } else {
          entry.state = "refused";
          entry.status = res.status;
          await keep(entry);
        }
      }
      show(await queued(), sent);
    } finally {
      sending = false;
    }
  }

  // ------------------------------------------------------------ what shows
  function show(waiting, sent, note) {
    let box = document.getElementById("outbox");
    if (!waiting.length && !sent && !note) {
      box?.remove();
      return;
    }
    if (!box) {
      box = document.createElement("section");
      box.id = "outbox";
      box.className = "flash flash-info outbox";
      box.setAttribute("aria-live", "polite");
      document.querySelector("main")?.prepend(box);
    }
    box.replaceChildren();
    const line = (t, tag = "p") => {
      const el = document.createElement(tag);
      el.textContent = t;
      box.append(el);
      return el;
    };
    if (note) line(note);
    if (sent) line(say("sent", sent));
    if (waiting.length) {
      line(say("waiting", waiting.length));
      const list = document.createElement("ul");
      for (const e of waiting) {
        const li = document.createElement("li");
        const when = new Date(e.madeAt).toLocaleString(document.documentElement.lang === "en" ? "en-GB" : "vi-VN");
        li.textContent = `${e.label || ""} · ${when} · ${say(e.state === "refused" ? "refused" : "unsent")}`;
        list.append(li);
      }
      box.append(list);
      if (!loggedIn) line(say("login"));
    }
  }

  // ------------------------------------------------------------ reading offline
  // The worklist's households are fetched once an hour while there is
  // signal, so that the service worker keeps them for the alley without it.
  function keepWorklist() {
    if (!navigator.serviceWorker?.controller || !navigator.onLine) return;
    const links = [...document.querySelectorAll("ul.worklist a[href^='/households/']")].slice(0, 60);
    const last = Number(localStorage.getItem("danvan-kept-at") || 0);
    if (!links.length || Date.now() - last < 3600e3) return;
    localStorage.setItem("danvan-kept-at", String(Date.now()));
    (async () => {
      for (const a of links) {
        await fetch(a.getAttribute("href").split("#")[0], { credentials: "same-origin" }).catch(() => {});
      }
    })();
  }

  // Pages kept for reading hold personal details: they go at logout (what
  // waits to be sent stays).
  document.addEventListener("submit", (ev) => {
    if (ev.target.matches?.("form[action='/logout']")) {
      navigator.serviceWorker?.controller?.postMessage("forget");
      localStorage.removeItem("danvan-kept-at");
    }
  });

  // "Record the place": the browser's reading and its accuracy go with the
  // visit, only when the member asks for it.
  for (const button of document.querySelectorAll("button[data-place]")) {
    const form = button.form;
    const note = button.nextElementSibling;
    if (!form || !navigator.geolocation) continue;
    button.closest(".place").hidden = false;
    button.addEventListener("click", () => {
      navigator.geolocation.getCurrentPosition(
        ({ coords }) => {
          form.elements.latitude.value = coords.latitude.toFixed(6);
          form.elements.longitude.value = coords.longitude.toFixed(6);
          form.elements.accuracy_m.value = Math.round(coords.accuracy);
          note.textContent = button.dataset.place.replace("%n", Math.round(coords.accuracy));
        },
        () => (note.textContent = button.dataset.placeFailed),
        { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
      );
    });
  }

  // Photos are scaled on the phone before they are kept or sent: drawn
  // upright at 1600 px on the long side as JPEG, which leaves behind what the
  // camera wrote about the picture (the place among it). Where the browser
  // cannot, the photos go as they are and the server cleans them.
  let scaling = Promise.resolve();
  const scale = async (file) => {
    try {
      const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
      const k = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * k);
      canvas.height = Math.round(bitmap.height * k);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      const blob = await new Promise((ok) => canvas.toBlob(ok, "image/jpeg", 0.8));
      return blob ? new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg", { type: "image/jpeg" }) : file;
    } catch {
      return file;
    }
  };
  for (const input of document.querySelectorAll("input[type=file][data-scale]")) {
    const hint = document.getElementById(input.getAttribute("aria-describedby"));
    if (hint) hint.dataset.was = hint.textContent;
    input.addEventListener("change", () => {
      if (!window.DataTransfer || !window.createImageBitmap) return;
      scaling = (async () => {
        const files = [...input.files].slice(0, 5);
        const chosen = new DataTransfer();
        for (const f of files) chosen.items.add(await scale(f));
        input.files = chosen.files;
        if (hint) hint.textContent = input.dataset.scale.replace("%n", files.length);
      })();
    });
  }

  window.addEventListener("online", send);
  if ("indexedDB" in window) {
    queued().then((w) => show(w, 0)).then(send).catch(() => {});
  }
  keepWorklist();
})();
