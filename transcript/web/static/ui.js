// ui.js: the page's shared chrome: $ (querySelector), the toast, the message box that stays
// (say) and report, which says how a request ended.
import { html, render } from "./html.js";
import { errText, t } from "./strings.js";

export const $ = (sel, el) => (el || document).querySelector(sel);
export function toast(msg) {
  const el = $("#toast");
  el.textContent = msg;
  el.classList.add("show");
  clearTimeout(toast.t);
  toast.t = setTimeout(() => el.classList.remove("show"), 2500);
}
// say shows a message that stays until the clerk closes it (errors, refusals, explanations):
// a toast that vanishes after 2.5 s is easily missed while typing.
export function say(msg, kind) {
  const box = $("#msg");
  box.hidden = false;
  box.className = "msg " + (kind || "bad");
  render(box, html`<span id="msgText"></span> <button type="button" class="ghost" id="msgClose">${t("dismiss")}</button>`);
  $("#msgText").textContent = msg;
  $("#msgClose").addEventListener("click", () => { box.hidden = true; });
}
export function report(r, what) {
  if (r.status >= 200 && r.status < 300) { toast(t("saved")); return; }
  say(errText(r, what));
}
