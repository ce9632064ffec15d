// views/editing.js: editing a segment in place: the editor, saving, conflicts with another
// user's change, split and merge, and where focus goes after each.
import { api } from "../api.js";
import { html, render } from "../html.js";
import { editable, H, S, seatOf } from "../state.js";
import { errText, hms, t } from "../strings.js";
import { report, say, toast } from "../ui.js";
import { correct } from "./repairs.js";
import { applySegment, removeItem, segClass, segInner } from "./transcript.js";

export function curRow() { const a = document.activeElement; return a && a.closest ? a.closest(".seg") : null; }
export function rowAt(el, dir) {
  let n = dir > 0 ? el.nextElementSibling : el.previousElementSibling;
  while (n && !n.classList.contains("seg")) n = dir > 0 ? n.nextElementSibling : n.previousElementSibling;
  return n;
}
export function focusRow(el) { if (el) { el.focus(); el.scrollIntoView({ block: "nearest" }); } }
// After a request, focus moves only if it is still where the action left it (on `from`, inside
// it, or nowhere): an answer that arrives after the clerk moved on to another segment or
// started typing in another editor must not pull focus away from there.
export function focusRowFrom(el, from) {
  const a = document.activeElement;
  if (!a || a === document.body || (from && from.contains(a))) focusRow(el);
}

export function startEdit(row, caretEnd) {
  // After finalizing the text is frozen: changes are corrections (补正), never edits.
  if (!editable()) { if (H.can.correct && (H.hearing.status === "finalized" || H.hearing.status === "signed")) correct(row); return; }
  if (!H.can.edit || H.editing) return;
  const sg = H.segs.get(+row.dataset.id);
  if (!sg) return;
  H.editing = { id: sg.id, base: sg, row };
  const tx = row.querySelector(".tx");
  render(tx, html`<textarea aria-label="${seatOf(sg.seat).role + " " + hms(sg.start_ms)}"></textarea><div class="remote" role="alert"></div>`);
  const ta = tx.querySelector("textarea");
  ta.value = sg.text;
  ta.focus();
  const p = caretEnd === false ? 0 : ta.value.length;
  ta.setSelectionRange(p, p);
}

export function endEdit(sgShown) {
  const e = H.editing;
  if (!e) return;
  H.editing = null;
  const sg = sgShown || H.segs.get(e.id);
  const row = document.getElementById("s-" + e.id);
  if (!row) return;
  if (!sg || sg.deleted) { removeItem("s", e.id); return; }
  const a = document.activeElement, here = !a || a === document.body || row.contains(a); // see focusRowFrom
  row.className = segClass(sg);
  row.dataset.rev = sg.revision;
  render(row, segInner(sg));
  if (here) row.focus();
}

export function showRemoteChange(sg, actor) {
  const box = H.editing.row.querySelector(".remote");
  if (!box) return;
  H.editing.row.classList.add("conflict");
  render(box, html`<div class="conflictbox"><h3>${t("changedWhileEditing", { who: actor })}</h3><pre>${sg.text}</pre></div>`);
}

export async function saveEdit() {
  const e = H.editing;
  const ta = e.row.querySelector("textarea");
  const text = ta.value;
  if (text === e.base.text) { endEdit(); return e.base; }
  e.saving = true;
  const r = await api("POST", "/api/segments/" + e.id + "/edit", { revision: e.base.revision, text });
  e.saving = false;
  if (r.status === 200) {
    H.segs.set(e.id, r.data.segment);
    endEdit(r.data.segment);
    toast(t("saved"));
    return r.data.segment;
  }
  if (r.status === 409 && r.data && r.data.current) { showConflict(e, text, r.data.current); return null; }
  say(errText(r, t("saveFailed")));
  return null;
}

export function showConflict(e, mine, cur) {
  const row = e.row;
  row.classList.add("conflict");
  H.segs.set(cur.id, cur);
  const tx = row.querySelector(".tx");
  render(tx, [
    html`<div class="conflictbox" tabindex="-1" role="alertdialog" aria-labelledby="cf-${cur.id}"><h3 id="cf-${cur.id}">${t("conflictTitle")} — ${t("conflictBody", { who: cur.updated_by })}</h3>`,
    html`<div class="cols"><div><strong>${t("yours")}</strong><pre class="mine">${mine}</pre></div><div><strong>${t("theirs")}</strong><pre class="theirs">${cur.text}</pre></div></div>`,
    html`<button type="button" data-act="keepMine">${t("keepMine")}</button> <button type="button" class="ghost" data-act="takeTheirs">${t("takeTheirs")}</button></div>`,
  ]);
  e.conflict = { mine, cur };
  // Focus the box, not a choice: a held or repeated Enter must not pick one by accident.
  tx.querySelector(".conflictbox").focus();
}

export async function resolveConflict(keepMine) {
  const e = H.editing;
  if (!e || !e.conflict) return;
  if (!keepMine) { endEdit(H.segs.get(e.id)); return; }
  const cur = H.segs.get(e.id);
  e.saving = true;
  const r = await api("POST", "/api/segments/" + e.id + "/edit", { revision: cur.revision, text: e.conflict.mine });
  e.saving = false;
  if (r.status === 200) { H.segs.set(e.id, r.data.segment); endEdit(r.data.segment); toast(t("saved")); }
  else if (r.status === 409) showConflict(e, e.conflict.mine, r.data.current);
  else say(errText(r, t("saveFailed")));
}

export function runeOffset(s, i) { return Array.from(s.slice(0, i)).length; }

export async function splitAtCaret() {
  const e = H.editing;
  if (!e) return;
  const ta = e.row.querySelector("textarea"), from = e.row;
  const caret = runeOffset(ta.value, ta.selectionStart);
  let base = e.base;
  if (ta.value !== base.text) { base = await saveEdit(); if (!base) return; } else endEdit();
  const r = await api("POST", "/api/segments/" + base.id + "/split", { revision: base.revision, offset: caret });
  if (r.status === 200) { applySegment(r.data.segment, S.me.name); applySegment(r.data.second, S.me.name); toast(t("saved")); focusRowFrom(document.getElementById("s-" + r.data.second.id), from); }
  else report(r, t("split"));
}

export async function mergeNext(row) {
  const sg = H.segs.get(+row.dataset.id);
  const nx = rowAt(row, 1);
  if (!sg || !nx) return;
  const next = H.segs.get(+nx.dataset.id);
  if (!next) return;
  if (next.seat !== sg.seat) {
    // Two seats' words are never joined: say why, and what to do if it is one speaker.
    const a = seatOf(sg.seat), b = seatOf(next.seat);
    say(t("mergeSeats", { a: (a.role || a.seat) + (a.person ? "（" + a.person + "）" : ""), b: (b.role || b.seat) + (b.person ? "（" + b.person + "）" : "") }), "info");
    return;
  }
  const r = await api("POST", "/api/segments/" + sg.id + "/merge", { revision: sg.revision, next_revision: next.revision });
  if (r.status === 200) { applySegment(r.data.segment, S.me.name); applySegment(Object.assign({}, next, { deleted: true, revision: next.revision + 1 }), S.me.name); focusRowFrom(document.getElementById("s-" + sg.id), row); toast(t("saved")); }
  else report(r, t("merge"));
}

