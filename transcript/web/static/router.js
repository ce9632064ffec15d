// router.js: the page routes by the URL hash (#/login, #/hearings, #/new, #/edit/ID,
// #/hearing/ID, #/agents, #/users); route() leaves the open screen and draws the new one.
import { api } from "./api.js";
import { html, render } from "./html.js";
import { H, S, setHearing, timers } from "./state.js";
import { lang, t } from "./strings.js";
import { $ } from "./ui.js";
import { viewAgents } from "./views/agents.js";
import { viewHearing } from "./views/hearing.js";
import { viewHearingForm } from "./views/hearingForm.js";
import { viewHearings } from "./views/hearings.js";
import { viewLogin } from "./views/login.js";
import { viewUsers } from "./views/users.js";

export function go(hash) { if (location.hash !== hash) location.hash = hash; else route(); }

// chrome: the top bar (brand, navigation by role, who is signed in) in the current language.
export function chrome() {
  document.documentElement.lang = lang() === "zh" ? "zh-CN" : "en";
  $("#brand").textContent = t("app");
  $("#langBtn").textContent = t("lang");
  $("#langBtn").setAttribute("aria-label", lang() === "zh" ? "Switch to English" : "切换到中文");
  const nav = $("#nav");
  render(nav, "");
  if (S.me) {
    render(nav, html`<a href="#/hearings">${t("hearings")}</a>${S.me.role === "technician" || S.me.role === "admin" ? html` · <a href="#/agents">${t("agents")}</a>` : ""}${S.me.role === "admin" ? html` · <a href="#/users" id="usersLink">${t("users")}</a>` : ""}`);
    $("#who").textContent = (S.me.display_name || S.me.name) + " · " + S.me.role;
    $("#logoutBtn").hidden = false;
    $("#logoutBtn").textContent = t("signout");
  } else {
    $("#who").textContent = "";
    $("#logoutBtn").hidden = true;
  }
}

export function leaveHearing() {
  if (H) {
    H.closed = true;
    if (H.ws) H.ws.close();
    clearTimeout(H.reconnect);
    setHearing(null);
  }
  clearInterval(timers.poll);
  clearInterval(timers.health);
  S.hearingLang = "";
}

// Each route() call is one generation; a view whose data arrives after the user moved on
// must not paint over the newer screen.
let routeGen = 0;
export const stale = (gen) => gen !== routeGen;

export async function route() {
  const h = location.hash || "#/hearings";
  const gen = ++routeGen;
  leaveHearing();
  if (!S.me && h !== "#/login") {
    const r = await api("GET", "/api/session");
    if (stale(gen)) return;
    if (r.status !== 200) { go("#/login"); return; }
    S.me = r.data; S.csrf = r.data.csrf;
  }
  chrome();
  const m = h.match(/^#\/(\w+)(?:\/(.+))?$/) || [];
  const main = $("#main");
  render(main, html`<p class="muted">${t("loading")}</p>`);
  switch (m[1]) {
    case "login": return viewLogin();
    case "hearing": return viewHearing(decodeURIComponent(m[2] || ""), gen);
    case "new": return viewHearingForm(null, gen);
    case "edit": return viewHearingForm(decodeURIComponent(m[2] || ""), gen);
    case "agents": return viewAgents(gen);
    case "users": return viewUsers(gen);
    default: return viewHearings(gen);
  }
}

