// views/agents.js: the technicians' agents page (#/agents).
import { api } from "../api.js";
import { html, render } from "../html.js";
import { stale } from "../router.js";
import { timers } from "../state.js";
import { errText, t } from "../strings.js";
import { $ } from "../ui.js";

// agents (technicians): live (polled every 2 s), in the user's language, with the
// same heartbeat as the health panel: a failed poll never leaves a stale green.
export async function viewAgents(gen) {
  let lastOK = 0, first = true;
  async function poll() {
    if (stale(gen)) { clearInterval(timers.poll); return; }
    const r = await api("GET", "/api/agents");
    if (stale(gen)) return;
    if (r.status === 200) { lastOK = Date.now(); draw(r.data); }
    else if (first && r.status !== 0) { render($("#main"), html`<p class="err">${errText(r)}</p>`); clearInterval(timers.poll); }
    else draw(null);
    first = false;
  }
  let shown = [];
  function draw(list) {
    if (list) shown = list;
    const lost = !lastOK || Date.now() - lastOK > 5000;
    const out = [html`<h1>${t("agents")}</h1>${lost ? html`<p class="lost" id="connLost" role="alert">${t("connLost")}</p>` : ""}`,
      html`<table class="card" id="agentTable"><thead><tr><th>${t("courtroom")}</th><th>${t("hearingCol")}</th><th>${t("agentCol")}</th><th>${t("status")}</th><th>${t("lastReport")}</th><th>${t("spool")}</th><th>${t("gaps")}</th></tr></thead><tbody>`];
    for (const a of shown) {
      const age = a.levels_at ? Math.round((Date.now() - new Date(a.levels_at).getTime()) / 1000) : null;
      const state = lost ? html`<span class="badge">${t("unknownState")}</span>` : a.connected ? html`<span class="badge ok">${t("connected")}</span>` : html`<span class="badge bad">${t("disconnected")}</span>`;
      out.push(html`<tr data-hearing="${a.hearing}"><td>${a.courtroom}</td><td><a href="#/hearing/${encodeURIComponent(a.hearing)}">${a.hearing}</a></td><td>${a.agent} ${a.remote}</td><td>${state}</td>`,
        html`<td>${age == null ? "—" : t("secondsAgo", { s: Math.max(0, age) })}</td><td>${Math.round(a.spool_bytes / 1024)} KiB</td><td>${a.gaps}</td></tr>`);
    }
    if (!shown.length) out.push(html`<tr><td colspan="7" class="muted">${t("noAgents")}</td></tr>`);
    out.push(html`</tbody></table>`);
    render($("#main"), out);
  }
  await poll();
  clearInterval(timers.poll);
  timers.poll = setInterval(() => { poll(); }, 2000);
}

