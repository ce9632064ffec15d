// views/hearing.js: the hearing screen (#/hearing/ID): its layout, keyboard and playback.
import { api } from "../api.js";
import { html, render } from "../html.js";
import { connect } from "../live.js";
import { chrome, stale } from "../router.js";
import { cmp, H, S, setHearing, timers } from "../state.js";
import { t } from "../strings.js";
import { $, say } from "../ui.js";
import { curRow, endEdit, focusRow, focusRowFrom, mergeNext, resolveConflict, rowAt, saveEdit, splitAtCaret, startEdit } from "./editing.js";
import { onExportsChange } from "./exports.js";
import { lifecycleAct, renderHead, renderOnline } from "./head.js";
import { HEARTBEAT_MS, onHealthChange, onHealthClick, pollHealth, renderHealth } from "./health.js";
import { addNote, confirmSeg, history, insertUtterance, markDialog, noteAct, relabel, strike } from "./repairs.js";
import { nearBottom, noteHTML, scrollToEnd, search, segHTML, showFollow } from "./transcript.js";

let audioEl = null;
export function play(row) {
  const sg = H.segs.get(+row.dataset.id);
  if (!sg) return;
  if (audioEl) audioEl.pause();
  audioEl = new Audio("/api/hearings/" + encodeURIComponent(H.id) + "/audio/" + encodeURIComponent(sg.seat) + "?start=" + (sg.start_ms / 1000) + "&end=" + (sg.end_ms / 1000));
  window.csLastAudio = audioEl.src;
  audioEl.play().catch(() => say(t("e_audio")));
}

export async function viewHearing(id, gen) {
  const t0 = performance.now();
  const r = await api("GET", "/api/hearings/" + encodeURIComponent(id) + "/segments");
  if (stale(gen)) return;
  if (r.status !== 200) { render($("#main"), html`<p class="err">${(r.data && r.data.error) || t("notFound")}</p>`); return; }
  const d = r.data;
  const tFetch = performance.now();
  setHearing({ id, hearing: d.hearing, can: d.can, segs: new Map(), notes: new Map(), items: [], cursor: d.head, follow: true, unseen: 0, editing: null, online: false });
  S.hearingLang = d.hearing.language === "en" ? "en" : "zh";
  chrome();
  for (const sg of d.segments) { H.segs.set(sg.id, sg); H.items.push({ kind: "s", v: sg }); }
  for (const n of d.notes) { if (n.deleted) continue; H.notes.set(n.id, n); H.items.push({ kind: "n", v: n }); }
  H.items.sort(cmp);
  const rows = H.items.map((it) => it.kind === "s" ? segHTML(it.v) : noteHTML(it.v));
  render($("#main"), [
    html`<div class="hearing"><div class="hearing-head" id="head"></div>`,
    html`<section class="transcript" id="tx" tabindex="0" aria-label="${t("app")}" aria-describedby="keyHelp">${rows}<button type="button" class="follow" id="followBtn" hidden></button></section>`,
    html`<aside class="side"><div class="card"><label for="q">${t("search")}</label><input id="q" type="search" placeholder="${t("searchHint")}"> <span id="hitCount" class="muted" aria-live="polite"></span></div>`,
    html`<div class="card" id="health" aria-live="polite"></div><div class="card kbd" id="keyHelp"><strong>${t("keys")}</strong><br>${t("keyHelp")}</div></aside></div>`,
  ]);
  renderHead();
  const tDOM = performance.now();
  scrollToEnd();
  requestAnimationFrame(() => requestAnimationFrame(() => {
    window.csFirstPaint = { ms: performance.now() - t0, sinceNavigation: performance.now(), segments: d.segments.length,
      fetch: tFetch - t0, dom: tDOM - tFetch, layout: performance.now() - tDOM };
  }));
  const tx = $("#tx");
  tx.addEventListener("scroll", () => { if (nearBottom()) { H.unseen = 0; showFollow(); } });
  $("#followBtn").addEventListener("click", () => { H.unseen = 0; showFollow(); scrollToEnd(); });
  tx.addEventListener("click", (e) => {
    const nb = e.target.closest("button[data-nact]");
    if (nb) { noteAct(nb.closest(".note"), nb.dataset.nact); return; }
    const b = e.target.closest("button[data-act]");
    const row = e.target.closest(".seg");
    if (!b) { if (row && !H.editing) row.focus(); return; }
    if (b.dataset.act === "play" && row) play(row);
    else if (b.dataset.act === "keepMine") resolveConflict(true);
    else if (b.dataset.act === "takeTheirs") resolveConflict(false);
  });
  tx.addEventListener("dblclick", (e) => { const row = e.target.closest(".seg"); if (row && !H.editing) startEdit(row); });
  tx.addEventListener("keydown", onKey);
  // Tab reaches the list once; focus then goes to the segment last worked on (arrows move).
  tx.addEventListener("focusin", (e) => { const r = e.target.closest && e.target.closest(".seg"); if (r) H.lastRow = r; });
  tx.addEventListener("focus", (e) => {
    if (e.target !== tx || H.editing) return;
    const rows = tx.querySelectorAll(".seg");
    const r = H.lastRow && H.lastRow.isConnected ? H.lastRow : rows[rows.length - 1];
    if (r) r.focus();
  });
  $("#head").addEventListener("click", (e) => { const b = e.target.closest("button[data-act]"); if (b) lifecycleAct(b.dataset.act); });
  $("#head").addEventListener("change", (e) => onExportsChange(e, H.hearing));
  $("#q").addEventListener("input", (e) => { H.hitIdx = null; search(e.target.value, false); });
  $("#q").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); search(e.target.value, true); } if (e.key === "Escape") { e.target.value = ""; search("", false); const f = tx.querySelector(".seg"); focusRow(H.hits && H.hits[H.hitIdx] || f); } });
  $("#dlg").addEventListener("click", (e) => { const a = e.target.closest("a[data-goto]"); if (a) { e.preventDefault(); $("#dlg").close(); focusRow(document.getElementById("s-" + a.dataset.goto)); } });
  connect();
  H.alarms = new Map();
  H.heard = new Set();
  H.sound = localStorage.getItem("cs.sound") === "1";
  $("#health").addEventListener("click", onHealthClick);
  $("#health").addEventListener("change", onHealthChange);
  pollHealth();
  timers.poll = setInterval(pollHealth, 2000);
  clearInterval(timers.health);
  timers.health = setInterval(() => { if (H && (!H.healthAt || Date.now() - H.healthAt > HEARTBEAT_MS)) { renderHealth(); renderOnline(); } }, 1000);
  const last = tx.querySelectorAll(".seg");
  if (last.length) last[last.length - 1].focus({ preventScroll: true });
}

export function onKey(e) {
  if (!H) return;
  const inText = e.target.tagName === "TEXTAREA";
  const row = curRow();
  if (e.key === "Tab" && e.shiftKey) {
    // Shift+Tab from inside the list would land on the list's own tab stop, which hands focus
    // straight back to a segment: a keyboard trap. Skip that stop for this one key press.
    const tx = $("#tx");
    tx.tabIndex = -1;
    setTimeout(() => { tx.tabIndex = 0; });
    return;
  }
  if (inText && H.editing) {
    if (e.key === "Enter" && !e.shiftKey && !e.altKey) { e.preventDefault(); saveEdit(); return; }
    if (e.key === "Escape") { e.preventDefault(); endEdit(); return; }
    if (e.altKey && (e.key === "s" || e.key === "S" || e.code === "KeyS")) { e.preventDefault(); splitAtCaret(); return; }
    if (e.altKey && e.code === "KeyP") { e.preventDefault(); play(H.editing.row); return; }
    if (e.altKey && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      e.preventDefault();
      const dir = e.key === "ArrowDown" ? 1 : -1, from = H.editing.row;
      saveEdit().then((ok) => { if (ok) focusRowFrom(rowAt(from, dir), from); });
    }
    return;
  }
  if (H.editing && H.editing.conflict) { if (e.key === "Escape") { e.preventDefault(); resolveConflict(false); } return; }
  if (!row) return;
  if (e.key === "ArrowDown" || e.key === "ArrowUp") { e.preventDefault(); focusRow(rowAt(row, e.key === "ArrowDown" ? 1 : -1)); H.follow = nearBottom(); return; }
  if (e.key === "Home" || e.key === "End") { e.preventDefault(); const all = $("#tx").querySelectorAll(".seg"); focusRow(e.key === "Home" ? all[0] : all[all.length - 1]); return; }
  if (e.key === "Enter") { e.preventDefault(); startEdit(row); return; }
  if (e.code === "KeyP" && (e.altKey || (!e.ctrlKey && !e.metaKey))) { e.preventDefault(); play(row); return; }
  if (!e.altKey || !H.can.edit) { if (e.altKey && e.code === "KeyH") { e.preventDefault(); history(row); } return; }
  e.preventDefault();
  switch (e.code) {
    case "KeyS": startEdit(row); break;
    case "KeyM": mergeNext(row); break;
    case "KeyR": relabel(row); break;
    case "KeyN": addNote(row); break;
    case "KeyH": history(row); break;
    case "KeyC": confirmSeg(row); break;
    case "KeyD": strike(row); break;
    case "KeyI": insertUtterance(row); break;
    case "KeyK": markDialog(row); break;
  }
}

