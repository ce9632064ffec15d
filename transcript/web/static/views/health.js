// views/health.js: the hearing screen's health panel (agent, meters, alarms, engine).
import { api } from "../api.js";
import { html, markupString, render } from "../html.js";
import { CS_I18N } from "../i18n.js";
import { H, seatOf } from "../state.js";
import { errText, lang, t, wallClock } from "../strings.js";
import { $, say } from "../ui.js";
import { renderOnline } from "./head.js";

// health panel
// The panel never shows a stale green: a heartbeat (the last successful poll) older than
// HEARTBEAT_MS, or a failed poll, turns it into "connection lost" with grey meters. Alarms
// stay listed (and their meter marked) until the clerk acknowledges them, even after the
// condition cleared; a new alarm can sound.
export const HEARTBEAT_MS = 5000;


export function alarmKey(a) { return a.code + "/" + (a.seat || ""); }

export async function pollHealth() {
  if (!H) return;
  const hid = H.id;
  const r = await api("GET", "/api/hearings/" + encodeURIComponent(hid) + "/health");
  if (!H || H.id !== hid) return;
  if (r.status !== 200) { renderHealth(); return; }
  H.health = r.data;
  H.healthAt = Date.now();
  renderOnline();
  const now = Date.now();
  if (Array.isArray(r.data.panel)) { serverAlarms(r.data.panel, now); renderHealth(); return; }
  const live = new Set();
  for (const a of r.data.alarms) {
    const k = alarmKey(a);
    live.add(k);
    const known = H.alarms.get(k);
    if (!known) {
      H.alarms.set(k, { a, active: true, acked: false, since: now });
      (window.csAlarmAt = window.csAlarmAt || {})[k] = now; // for the tests: when the page first knew
      if (H.sound) beep();
    } else { known.a = a; known.active = true; }
  }
  for (const [k, v] of H.alarms) {
    if (!live.has(k)) { v.active = false; if (v.acked) H.alarms.delete(k); }
  }
  renderHealth();
}

// serverAlarms takes the panel's alarms as the server keeps them: each episode with its
// acknowledgement, shared by every browser (a reload or another clerk sees who acknowledged
// it). A new unacknowledged episode sounds once in this page.
export function serverAlarms(panel, now) {
  const m = new Map();
  for (const p of panel) {
    const ep = p.key + "@" + p.since;
    if (!p.ack && !H.heard.has(ep)) {
      H.heard.add(ep);
      (window.csAlarmAt = window.csAlarmAt || {})[p.key] = now; // for the tests: when the page first knew
      if (H.sound) beep();
    }
    m.set(p.key, { a: p, active: p.active, acked: !!p.ack, ack: p.ack, server: true });
  }
  H.alarms = m;
}

export function beep() {
  try {
    const ctx = H.audioCtx || (H.audioCtx = new (window.AudioContext || window.webkitAudioContext)());
    const o = ctx.createOscillator(), g = ctx.createGain();
    o.frequency.value = 880; g.gain.value = 0.2;
    o.connect(g); g.connect(ctx.destination);
    o.start(); o.stop(ctx.currentTime + 0.4);
    window.csBeeps = (window.csBeeps || 0) + 1;
  } catch (e) { /* no audio device: the alarm is still shown */ }
}

export function alarmText(a) {
  return (a.seat ? seatOf(a.seat).role + ": " : "") + (CS_I18N[lang()]["al_" + a.code] || t("al_other"));
}

export function renderHealth() {
  const box = $("#health");
  if (!box || !H) return;
  const lost = !H.healthAt || Date.now() - H.healthAt > HEARTBEAT_MS;
  const hl = H.health;
  const top = [];
  if (lost) {
    top.push(html`<p class="lost" id="connLost" role="alert">${t("connLost")}${H.healthAt ? " " + t("lastHeard", { s: Math.round((Date.now() - H.healthAt) / 1000) }) : ""}</p>`);
  }
  const marked = new Set();
  for (const v of H.alarms.values()) if (v.a.seat && !v.acked) marked.add(v.a.seat);
  if (hl && hl.agent) {
    top.push(html`<p>${lost ? html`<span class="badge">${t("unknownState")}</span>` :
      hl.agent.connected ? html`<span class="badge ok">${t("connected")}</span>` : html`<span class="badge bad">${t("disconnected")}</span>`}</p>`);
    for (const l of hl.agent.levels || []) {
      const seat = seatOf(l.seat);
      const clip = l.clipped > 0 || l.peak_dbfs >= -0.1;
      const al = marked.has(l.seat);
      const width = lost ? 0 : Math.max(0, Math.min(100, (l.rms_dbfs + 60) / 60 * 100)).toFixed(0);
      top.push(html`<div class="meter${lost ? " stale" : ""}${al ? " alarm" : ""}" data-seat="${l.seat}"><span>${al ? "⚠ " : ""}${seat.role || l.seat}</span>`,
        html`<div class="bar${clip && !lost ? " clip" : ""}" role="meter" aria-valuemin="-60" aria-valuemax="0" aria-valuenow="${lost ? -60 : Math.round(l.rms_dbfs)}" aria-label="${seat.role || l.seat}">`,
        html`<span data-w="${width}"></span></div><span>${lost ? "—" : Math.round(l.rms_dbfs) + " dB" + (clip ? " ⚠CLIP" : "")}</span></div>`);
    }
    top.push(html`<p class="muted">${t("spool")}: ${Math.round((hl.agent.spool_bytes || 0) / 1024)} KiB · ${t("gaps")}: ${hl.agent.gaps || 0}</p>`);
  } else if (!lost) top.push(html`<p class="muted">${t("agentUnknown")}</p>`);
  const items = Array.from(H.alarms.entries());
  const alarm = ([k, v]) => {
    const ackBy = v.ack ? html` <span class="ackby">${t("ackedBy", { who: v.a.ack_name || v.ack.by, at: wallClock(v.ack.at) })}</span>` : "";
    const ackBtn = v.acked ? "" : html` <button type="button" class="ghost mini" data-ack="${k}">${t("ack")}</button>`;
    return html`<li data-code="${v.a.code}" data-key="${k}" class="${v.active ? "active" : "cleared"}${v.acked ? " acked" : ""}">${alarmText(v.a)}${v.active ? "" : " " + t("alarmCleared")}${ackBy}${ackBtn}</li>`;
  };
  const alarms = html`<ul class="alarms" id="alarms">${items.length ? items.map(alarm) : lost ? "" : html`<li class="okline">${t("noAlarms")}</li>`}</ul><p><label class="inline"><input type="checkbox" id="alarmSound"${H.sound ? html` checked` : ""}> ${t("alarmSound")}</label></p>`;
  const engine = [];
  if (hl) engine.push(html`<p>${t("engine")}: ${hl.engine || "—"} · ${t("backlog")}: <strong id="backlog">${hl.backlog}</strong></p>`);
  if (hl && hl.engine_system) engine.push(html`<p class="muted" id="engine-system">${hl.engine_system}</p>`);
  // Each part is replaced only when it changed: a poll every 2 s that rebuilt the whole panel
  // replaced the Acknowledge button and the sound checkbox under the clerk's pointer, so a
  // click whose press and release straddled a poll was lost.
  if (!box.querySelector("#hTop")) render(box, html`<h2>${t("health")}</h2><div id="hTop"></div><div id="hAlarms"></div><div id="hEngine"></div>`);
  if (renderChanged($("#hTop", box), html`${top}`)) box.querySelectorAll(".bar > span").forEach((s) => { s.style.width = s.dataset.w + "%"; });
  renderChanged($("#hAlarms", box), alarms);
  renderChanged($("#hEngine", box), html`${engine}`);
  box.classList.toggle("lost", lost);
  window.csLostAt = lost ? window.csLostAt || Date.now() : 0; // for the tests: when "lost" was first shown
}
// renderChanged replaces an element's content only when the markup differs; it reports whether it did.
function renderChanged(el, m) {
  const s = markupString(m);
  if (el.csHTML === s) return false;
  render(el, m);
  el.csHTML = s;
  return true;
}

export async function onHealthClick(e) {
  const b = e.target.closest("button[data-ack]");
  if (b && H.alarms.get(b.dataset.ack) && H.alarms.get(b.dataset.ack).server) {
    // Kept on the server (audited): everyone sees who acknowledged which alarm, and when.
    const k = b.dataset.ack, v = H.alarms.get(k), hid = H.id;
    const r = await api("POST", "/api/hearings/" + encodeURIComponent(hid) + "/alarms/ack", { code: v.a.code, seat: v.a.seat || "", since: v.a.since });
    if (!H || H.id !== hid) return;
    if (r.status === 200) {
      const cur = H.alarms.get(k);
      if (cur && cur.a.since === v.a.since) { if (cur.active) { cur.acked = true; cur.ack = r.data.ack; cur.a = Object.assign({}, cur.a, { ack: r.data.ack, ack_name: r.data.ack_name }); } else H.alarms.delete(k); }
      renderHealth();
    } else say(errText(r, t("ack")));
    return;
  }
  if (b) {
    const v = H.alarms.get(b.dataset.ack);
    if (v) { if (v.active) v.acked = true; else H.alarms.delete(b.dataset.ack); }
    renderHealth();
  }
}
export function onHealthChange(e) {
  if (e.target.id === "alarmSound") { H.sound = e.target.checked; localStorage.setItem("cs.sound", H.sound ? "1" : "0"); if (H.sound) beep(); }
}

