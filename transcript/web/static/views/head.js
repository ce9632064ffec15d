// views/head.js: the hearing screen's head: title and status, the live dot, the actions the
// user may take in this status, the export links and the signatures box.
import { api } from "../api.js";
import { html, render } from "../html.js";
import { editable, H, lastMS, S } from "../state.js";
import { fmtTime, t } from "../strings.js";
import { $, report } from "../ui.js";
import { dialog } from "./dialog.js";
import { curRow } from "./editing.js";
import { exportLinks } from "./exports.js";
import { HEARTBEAT_MS } from "./health.js";
import { statusBadge } from "./hearings.js";
import { correct, headerDialog, insertUtterance, markDialog } from "./repairs.js";
import { reviewDialog, signDialog } from "./sign.js";
import { renderSpeaking } from "./speaking.js";

export function renderOnline() {
  const el = $("#online");
  if (!el || !H) return;
  const beat = H.healthAt && Date.now() - H.healthAt <= HEARTBEAT_MS;
  const on = H.online && beat;
  el.className = "live-dot " + (on ? "on" : "off");
  el.textContent = on ? t("online") : H.online && H.healthAt ? t("liveLost") : t("reconnecting");
}

// BUTTON_WORD: the i18n key of a head button whose key is not its action's name.
const BUTTON_WORD = { insert: "insertUtt", marks: "marksBtn", header: "headerBtn", correct: "correctBtn", review: "reviewTitle" };

// renderHead draws the hearing's head: title, status, the live dot, who is speaking, the case
// line, the actions this user may take now, the export links and the signatures box.
export function renderHead() {
  if (!H) return;
  const h = H.hearing, c = H.can;
  const b = [];
  const btn = (act, cls) => html`<button type="button"${cls ? html` class="${cls}"` : ""} data-act="${act}">${t(BUTTON_WORD[act] || act)}</button>`;
  if (c.lifecycle && h.status === "scheduled") b.push(btn("start"));
  if (c.lifecycle && h.status === "live") b.push(btn("recess"));
  if (c.lifecycle && h.status === "recess") b.push(btn("resume"));
  if (c.edit && editable()) b.push(btn("insert", "ghost"), btn("marks", "ghost"));
  if ((c.edit || c.manage) && editable()) b.push(btn("header", "ghost"));
  if (c.lifecycle && (h.status === "live" || h.status === "recess")) b.push(btn("close", "danger"));
  if (c.correct && (h.status === "finalized" || h.status === "signed")) b.push(btn("correct"));
  if (c.finalize && h.status === "closed") b.push(btn("finalize"));
  if (c.finalize && h.status === "finalized") b.push(btn("review", "ghost"));
  if (c.sign && h.status === "finalized") b.push(btn("sign"));
  b.push(exportLinks(h));
  render($("#head"), [
    html`<div class="toolbar"><a href="#/hearings">← ${t("back")}</a><h1>${h.title || h.id}</h1>${statusBadge(h.status)} <span id="online" class="live-dot"></span><span id="speaking" class="speaking"></span>${c.edit ? "" : html` <span class="badge">${t("viewOnly")}</span>`}</div>`,
    html`<div class="toolbar"><span class="muted">${h.case_number} · ${h.cause} · ${h.courtroom}${h.time_zone ? html` · <span id="tz">${t("timeZone")} ${h.time_zone}</span>` : ""}</span>`,
    html`<span class="spacer"></span>${b}</div><div id="signBox">${H.signHTML || ""}</div>`,
  ]);
  renderOnline();
  renderSpeaking();
  if (h.status === "signed" || h.status === "finalized") renderSigned();
}

export const roleWord = (r) => ({ presiding: t("presidingRole"), judge: t("judgeRole"), clerk: t("clerkRole") }[r] || "");

// renderSigned shows the version, every signature (who, in which part, when), who still has
// to sign, the parties' reviews and the verified badge.
export async function renderSigned() {
  const r = await api("GET", "/api/hearings/" + encodeURIComponent(H.id) + "/verify");
  if (!H || r.status !== 200) return;
  const v = r.data, last = v.versions[v.versions.length - 1];
  if (!last) return;
  H.verify = last;
  const out = [html`<div class="signed" id="signed">${t("version")} ${last.number}`];
  const sigs = last.signatures || [];
  if (sigs.length) {
    out.push(html` · ${t("signedBy")} ${sigs.map((x, i) => html`${i ? "，" : ""}<strong class="sig" data-signer="${x.signer}">${(roleWord(x.role) ? roleWord(x.role) + " " : "") + (x.signer_name || x.signer)}</strong>${x.ok ? " ✔" : " ✖"} ${fmtTime(x.signed_at)}`)}`);
    out.push(html` · ${t("signedAt")} ${fmtTime(last.signed_at)}`);
  }
  if ((last.missing || []).length) out.push(html`<br><span id="missing">${t("awaiting")}：${last.missing.map((p) => p.name || p.user).join("、")}</span>`);
  if ((last.reviews || []).length) {
    out.push(html`<br><span id="reviews">${t("reviewsLabel")}：${last.reviews.map((x, i) => html`${i ? "；" : ""}${x.party} ${x.outcome === "refused" ? html`${t("refused")}（${x.reason}）` : t("confirmedRead")}`)}</span>`);
  }
  const ok = v.audit_ok && last.hash_ok && (sigs.length === 0 || last.signature_ok);
  out.push(html` · ${ok ? html`<span class="badge ok" id="verifiedBadge">${t("verified")}</span>` : html`<span class="badge bad" id="verifiedBadge">${t("notVerified")}</span>`}</div>`);
  H.signHTML = html`${out}`;
  render($("#signBox"), H.signHTML);
  // Who has signed no longer gets the sign button; reviews are over once anyone signed.
  if (sigs.some((x) => x.signer === S.me.name)) { const b = $("#head button[data-act=sign]"); if (b) b.remove(); }
  if (sigs.length) { const b = $("#head button[data-act=review]"); if (b) b.remove(); }
}

export async function lifecycleAct(act) {
  const id = encodeURIComponent(H.id);
  if (act === "recess" || act === "resume") {
    const v = await dialog(t(act), html`<label for="dReason">${t("reason")}</label><input id="dReason" name="reason" required>`,
      [{ label: t(act), value: "ok" }, { label: t("cancel"), value: "", cls: "ghost" }]);
    if (v !== "ok") return;
    const r = await api("POST", "/api/hearings/" + id + "/" + act, { at_ms: lastMS(), reason: $("#dReason").value });
    report(r, t(act));
  } else if (act === "start") {
    report(await api("POST", "/api/hearings/" + id + "/" + act, {}), t("start"));
  } else if (act === "close") {
    // Closing stops the recording and cannot be undone: the clerk confirms it.
    const v = await dialog(t("closeTitle"), html`<p id="closeWarn" class="warnbox">${t("closeWarn")}</p>`,
      [{ label: t("closeConfirm"), value: "ok", cls: "danger" }, { label: t("cancel"), value: "", cls: "ghost" }],
      () => { const c = $("#dlgActions button[value='']"); if (c) c.focus(); });
    if (v !== "ok") return;
    report(await api("POST", "/api/hearings/" + id + "/close", {}), t("close"));
  } else if (act === "insert") {
    insertUtterance(curRow() || H.lastRow);
  } else if (act === "marks") {
    markDialog(curRow() || H.lastRow);
  } else if (act === "header") {
    headerDialog();
  } else if (act === "correct") {
    correct(curRow() || H.lastRow);
  } else if (act === "finalize") {
    const r = await api("GET", "/api/hearings/" + id + "/summary");
    if (r.status !== 200) return report(r);
    const s = r.data;
    const line = (ids, k) => ids.length ? html`<li>${ids.length} ${t(k)} (${ids.slice(0, 20).map((x, i) => html`${i ? " " : ""}<a href="#s-${x}" data-goto="${x}">#${x}</a>`)})</li>` : "";
    const issues = [line(s.pending, "pendingUtt"), line(s.partial, "partialUtt"), line(s.overlaps, "overlapsOpen"), line(s.empty, "emptyFinal")].filter(Boolean);
    const v = await dialog(t("finalizeTitle"), html`<h3>${t("openIssues")}</h3><ul id="issues">${issues.length ? issues : html`<li>${t("noIssues")}</li>`}</ul>`,
      [{ label: t("confirmFinalize"), value: "ok" }, { label: t("cancel"), value: "", cls: "ghost" }]);
    if (v !== "ok") return;
    report(await api("POST", "/api/hearings/" + id + "/finalize", {}), t("finalize"));
  } else if (act === "sign") {
    signDialog();
  } else if (act === "review") {
    reviewDialog();
  }
}

