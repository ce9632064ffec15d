// views/dialog.js: the page's one modal dialog.
import { html, render } from "../html.js";
import { $ } from "../ui.js";

// dialogs
// dialog opens the one modal dialog (body is markup made with html``) and resolves with the button's value ("" when cancelled).
// A dialog's close event is dispatched after the dialog closed, as a task of its own: a clerk
// who closes one dialog and at once opens the next (Esc then Alt+D, or OK then Alt+K) opened
// the new dialog before the old close event ran, and that stale event then resolved the new
// dialog as cancelled, leaving it open with buttons that did nothing. Now a new dialog first
// settles the previous call with what it was closed with, and opens one task later, after the
// previous caller has read its fields and after the stale close event; a close event that
// arrives while the dialog is open again is ignored.
export let dlgSettle = null;
export function dialog(title, body, actions, init) {
  const d = $("#dlg");
  const prev = dlgSettle;
  dlgSettle = null;
  return new Promise((resolve) => {
    const open = () => {
      if (d.open) d.close();
      $("#dlgTitle").textContent = title;
      render($("#dlgBody"), body);
      render($("#dlgActions"), actions.map((a) => html`<button value="${a.value}" class="${a.cls || ""}"${a.value === "" ? html` formnovalidate type="submit"` : ""}>${a.label}</button>`));
      let settled = false;
      const settle = (v) => {
        if (settled) return;
        settled = true;
        d.removeEventListener("close", done);
        if (dlgSettle === settle) dlgSettle = null;
        resolve(v);
      };
      const done = () => { if (!d.open) settle(d.returnValue); };
      dlgSettle = settle;
      d.addEventListener("close", done);
      d.returnValue = "";
      d.showModal();
      if (init) init(d);
      const f = d.querySelector("input, textarea, select");
      if (f) f.focus();
    };
    if (prev) { prev(d.open ? "" : d.returnValue); setTimeout(open, 0); } else open();
  });
}

