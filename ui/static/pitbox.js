// What only the browser can do for a racer on a phone:
// - the phone's Back button closes the open dialog instead of leaving the app;
// - typed input is kept on the phone at once, until the server says it has saved it, so that
//   a dropped Wi-Fi or a page closed mid-typing loses nothing;
// - a lost connection is said plainly, at the top, where the racer looks.
(() => {
  "use strict";
  if (window.pitbox) return;

  // --- Back closes the open dialog ---------------------------------------------------------
  // Every dialog that opens stands on a history entry of its own; Back takes it off and closes
  // the dialog on top. A dialog closed by its own buttons leaves its entry behind, for the next
  // dialog to reuse; a Back with no dialog open skips those entries and leaves, in one press.
  // Pitbox never calls history.back() itself while it stays: nothing races the racer's taps.
  let entries = 0; // history entries of ours above the page's own
  const open = new Set(); // dialogs open now
  const closedByBack = new WeakSet();

  const isDialog = (node) => node.nodeType === 1 && node.classList.contains("q-dialog");
  const dialogsIn = (node) =>
    node.nodeType !== 1 ? [] : isDialog(node) ? [node] : [...node.querySelectorAll(".q-dialog")];
  // A sheet (ui/components.py: Sheet) is a dialog that stays on the page while closed, hidden.
  const isSheet = (node) => node.nodeType === 1 && node.classList.contains("pit-sheet");
  const sheetsIn = (node) =>
    node.nodeType !== 1 ? [] : isSheet(node) ? [node] : [...node.querySelectorAll(".pit-sheet")];
  const showing = (dialog) => dialog.isConnected && !dialog.classList.contains("hidden");

  function dialogOpened(dialog) {
    if (open.has(dialog)) return; // reported twice: with its portal and alone
    open.add(dialog);
    if (entries < open.size) {
      entries += 1;
      history.pushState({ pitboxDialog: entries }, "");
    }
  }

  function dialogClosed(dialog) {
    if (!showing(dialog)) open.delete(dialog);
  }

  // A sheet opens and closes by its class; it takes the focus, as a dialog does, and gives it
  // back to what had it (the racer chip) when it closes.
  function watchSheet(sheet) {
    if (sheet.pitboxWatched) return;
    sheet.pitboxWatched = true;
    let was = false;
    const changed = () => {
      const now = showing(sheet);
      if (now === was) return;
      was = now;
      if (now) {
        closedByBack.delete(sheet);
        sheet.pitboxReturnFocus = document.activeElement;
        dialogOpened(sheet);
        sheet.focus({ preventScroll: true });
      } else {
        dialogClosed(sheet);
        const back = sheet.pitboxReturnFocus;
        sheet.pitboxReturnFocus = null;
        const active = document.activeElement;
        if (back?.isConnected && (!active || active === document.body || sheet.contains(active))) {
          back.focus({ preventScroll: true });
        }
      }
    };
    new MutationObserver(changed).observe(sheet, { attributes: true, attributeFilter: ["class"] });
    changed();
  }

  window.addEventListener("popstate", () => {
    entries = Math.max(0, entries - 1);
    const shown = [...open].filter((d) => showing(d) && !closedByBack.has(d));
    const top = shown[shown.length - 1];
    if (!top) {
      // Nothing to close: this Back means leave. Skip the entries old dialogs left behind.
      if (entries > 0) history.go(-(entries + 1));
      else history.back();
      entries = 0;
      return;
    }
    closedByBack.add(top);
    // The backdrop's click is how Quasar dismisses a dialog; the server hears it as "closed".
    // A sheet is its own backdrop.
    (isSheet(top) ? top : top.querySelector(".q-dialog__backdrop"))?.click();
    // A dialog that refuses to close (a persistent one) gets its entry back.
    setTimeout(() => {
      if (showing(top)) {
        closedByBack.delete(top);
        entries += 1;
        history.pushState({ pitboxDialog: entries }, "");
      }
    }, 600);
  });

  // Escape closes a sheet on top, wherever the focus is (Quasar does so for its dialogs).
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const shown = [...open].filter((d) => showing(d));
    const top = shown[shown.length - 1];
    if (top && isSheet(top)) top.click();
  });

  // --- Typed input kept on the phone -------------------------------------------------------
  // Fields of a form kept as a draft carry data-draft="racer|form|field". Each keystroke is
  // stored here at once; the server confirms what it has saved, and only what it has not yet
  // saved is put back into the field when the page opens again.
  const PREFIX = "pitbox.draft|";

  function read(key) {
    try {
      return JSON.parse(localStorage.getItem(PREFIX + key));
    } catch {
      return null;
    }
  }

  function write(key, value) {
    try {
      localStorage.setItem(PREFIX + key, JSON.stringify({ value }));
    } catch {
      // Storage full or refused (private mode): the server's copy is all there is.
    }
  }

  const same = (a, b) =>
    String(a ?? "") === String(b ?? "") ||
    (String(a ?? "").trim() !== "" && String(b ?? "").trim() !== "" && Number(a) === Number(b));

  document.addEventListener(
    "input",
    (event) => {
      const key = event.target?.dataset?.draft;
      if (key) write(key, event.target.value);
    },
    true,
  );

  function restore(field) {
    const key = field.dataset.draft;
    const kept = read(key);
    if (!kept || same(kept.value, field.value)) return;
    field.value = kept.value;
    // Vue hears it as typing, so the server gets it as if typed again.
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // A form folded away (data-draft-form="racer|form", its fields built only when unfolded)
  // unfolds by itself when this phone holds input of it the server never received.
  function unfoldKept(folder) {
    if (folder.dataset.unfolded || !folder.classList.contains("q-expansion-item--collapsed")) return;
    const start = `${PREFIX}${folder.dataset.draftForm}|`;
    const kept = Object.keys(localStorage).some(
      (key) => key.startsWith(start) && String(read(key.slice(PREFIX.length))?.value ?? "").trim() !== "",
    );
    if (!kept) return;
    folder.dataset.unfolded = "1";
    folder.querySelector(".q-item")?.click();
  }

  const drafts = {
    // The server saved these values of a form: the phone's copies of them are not needed.
    saved(racer, form, values) {
      for (const [field, value] of Object.entries(values)) {
        const key = `${racer}|${form}|${field}`;
        const kept = read(key);
        if (kept && same(kept.value, value)) localStorage.removeItem(PREFIX + key);
      }
    },
    // The form was saved for real, or its input dropped: forget it (a whole racer when no form).
    forget(racer, form) {
      const start = form == null ? `${PREFIX}${racer}|` : `${PREFIX}${racer}|${form}|`;
      for (const key of Object.keys(localStorage)) {
        if (key.startsWith(start)) localStorage.removeItem(key);
      }
    },
    pending() {
      return Object.keys(localStorage).filter((key) => key.startsWith(PREFIX)).length;
    },
  };

  // --- A lost connection, said plainly -----------------------------------------------------
  let lostSince = null;
  let lostTimer = null;

  function showConnection() {
    const popup = document.getElementById("popup");
    if (!popup) return;
    const lost = popup.getAttribute("aria-hidden") === "false";
    if (lost && lostSince === null) {
      lostSince = Date.now();
      lostTimer = setInterval(describeLoss, 1000);
      describeLoss();
    } else if (!lost && lostSince !== null) {
      lostSince = null;
      clearInterval(lostTimer);
    }
  }

  function describeLoss() {
    const popup = document.getElementById("popup");
    if (!popup) return;
    const seconds = Math.round((Date.now() - lostSince) / 1000);
    const title = seconds < 15 ? "No connection to Pitbox" : "Still no connection to Pitbox";
    const body =
      seconds < 15
        ? "Trying again. What you type stays on this phone."
        : "Check the pit Wi-Fi or that the Pitbox laptop is on. Pitbox keeps trying; what you type stays on this phone.";
    const [first, second] = popup.querySelectorAll("span");
    if (first && first.textContent !== title) first.textContent = title;
    if (second && second.textContent !== body) second.textContent = body;
  }

  function watchConnection() {
    const popup = document.getElementById("popup");
    if (!popup) return;
    popup.setAttribute("role", "status");
    popup.setAttribute("aria-live", "polite");
    new MutationObserver(showConnection).observe(popup, { attributes: true, attributeFilter: ["aria-hidden"] });
    showConnection();
  }

  // --- Watching the page -------------------------------------------------------------------
  // Quasar's loading bar is a progressbar without a name: screen readers hear what it is.
  function nameLoadingBars(node) {
    const bars = node.matches?.(".q-loading-bar") ? [node] : [...node.querySelectorAll(".q-loading-bar")];
    for (const bar of bars) bar.setAttribute("aria-label", "Loading");
  }

  function added(node) {
    if (node.nodeType !== 1) return;
    nameLoadingBars(node);
    for (const dialog of dialogsIn(node)) dialogOpened(dialog);
    for (const sheet of sheetsIn(node)) watchSheet(sheet);
    const fields = node.matches?.("[data-draft]") ? [node] : [...node.querySelectorAll("[data-draft]")];
    for (const field of fields) restore(field);
    const folders = node.matches?.("[data-draft-form]") ? [node] : [...node.querySelectorAll("[data-draft-form]")];
    for (const folder of folders) unfoldKept(folder);
  }

  function removed(node) {
    for (const dialog of [...dialogsIn(node), ...sheetsIn(node)]) dialogClosed(dialog);
  }

  function start() {
    new MutationObserver((mutations) => {
      for (const mutation of mutations) {
        mutation.addedNodes.forEach(added);
        mutation.removedNodes.forEach(removed);
      }
    }).observe(document.body, { childList: true, subtree: true });
    document.querySelectorAll("[data-draft]").forEach(restore);
    document.querySelectorAll("[data-draft-form]").forEach(unfoldKept);
    document.querySelectorAll(".pit-sheet").forEach(watchSheet);
    nameLoadingBars(document.body);
    watchConnection();
  }

  window.pitbox = { drafts };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
