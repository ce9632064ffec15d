// views/hearings.js: the hearing list (#/hearings), by day and courtroom.
import { api } from "../api.js";
import { html, render } from "../html.js";
import { route, stale } from "../router.js";
import { S } from "../state.js";
import { fmtTime, t } from "../strings.js";
import { $ } from "../ui.js";

export function statusBadge(st) {
  const cls = st === "live" ? "badge live" : st === "signed" ? "badge ok" : "badge";
  return html`<span class="${cls}" data-status="${st}">${t("st_" + st)}</span>`;
}

// The day a hearing belongs to: when it was scheduled, else when it started, else when it
// was created. A hearing without a scheduled time (recorded straight from a courtroom) still
// has a day, so it never vanishes from the list once it is closed or signed.
export function hearingDay(h) { return h.scheduled_at || h.started_at || h.created_at || ""; }
export function localDate(d) { return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 10); }

export async function viewHearings(gen) {
  const r = await api("GET", "/api/hearings");
  if (stale(gen) || r.status !== 200) return;
  const showAll = sessionStorage.getItem("cs.all") === "1";
  const todayKey = localDate(new Date());
  const day = sessionStorage.getItem("cs.day") || todayKey;
  let list = r.data.filter((h) => showAll || h.status === "live" || h.status === "recess" ||
    (hearingDay(h) && localDate(new Date(hearingDay(h))) === day));
  const groups = new Map();
  list.sort((a, b) => String(hearingDay(a)).localeCompare(String(hearingDay(b))));
  for (const h of list) {
    const k = h.courtroom || t("noCourtroom");
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(h);
  }
  const title = showAll ? t("all") : day === todayKey ? t("today") : t("hearingsOn") + " " + day;
  const out = [html`<div class="toolbar"><h1>${title}</h1>`,
    showAll ? "" : html`<label class="inline">${t("day")} <input type="date" id="day" value="${day}"></label>${day !== todayKey ? html`<button type="button" class="ghost" id="toToday">${t("today")}</button>` : ""}`,
    html`<button type="button" class="ghost" id="toggleAll">${showAll ? t("byDay") : t("all")}</button>`,
    S.me.role === "admin" ? html`<a href="#/new" id="newHearing">${t("newHearing")}</a>` : "", html`</div>`];
  if (!list.length) out.push(html`<p class="muted">${t("noHearings")}</p>`);
  for (const [room, hs] of groups) {
    out.push(html`<section class="card"><h2>${room}</h2><table><thead><tr><th>${t("scheduledAt")}</th><th>${t("caseNumber")}</th><th>${t("title")}</th><th>${t("status")}</th><th></th></tr></thead><tbody>`);
    for (const h of hs) {
      out.push(html`<tr data-hearing="${h.id}"><td>${fmtTime(hearingDay(h), h.time_zone) || "—"}</td><td>${h.case_number}</td><td>${h.title}</td><td>${statusBadge(h.status)}${h.agent_connected ? html` <span class="badge ok">${t("connected")}</span>` : ""}</td>`,
        html`<td><a href="#/hearing/${encodeURIComponent(h.id)}">${t("open")}</a>${S.me.role === "admin" ? html` · <a href="#/edit/${encodeURIComponent(h.id)}">${t("edit")}</a>` : ""}</td></tr>`);
    }
    out.push(html`</tbody></table></section>`);
  }
  render($("#main"), out);
  $("#toggleAll").addEventListener("click", () => { sessionStorage.setItem("cs.all", showAll ? "0" : "1"); route(); });
  const dayInput = $("#day");
  if (dayInput) dayInput.addEventListener("change", () => { if (dayInput.value) { sessionStorage.setItem("cs.day", dayInput.value); route(); } });
  const toToday = $("#toToday");
  if (toToday) toToday.addEventListener("click", () => { sessionStorage.removeItem("cs.day"); route(); });
}

