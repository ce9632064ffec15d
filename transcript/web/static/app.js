// courtscribe web UI: native ES modules, no framework, no build step. This module boots the page;
// router.js routes by URL hash, api.js talks to /api (JSON, cookie session, CSRF header on unsafe
// requests), live.js follows a hearing over /api/hearings/ID/live, views/ draws the screens and
// html.js is the only way markup is made (it escapes by default).
import { api, onSignedOut } from "./api.js";
import { go, leaveHearing, route } from "./router.js";
import { H, S } from "./state.js";
import { lang } from "./strings.js";
import { $ } from "./ui.js";

// A request that finds the session ended goes to sign-in. A late 401 (a request of the page just
// left) while the sign-in form is up must not draw it again: that would wipe what the user is
// typing.
onSignedOut(() => { if (location.hash !== "#/login") go("#/login"); });

document.addEventListener("DOMContentLoaded", () => {
  $("#langBtn").addEventListener("click", () => { S.lang = lang() === "zh" ? "en" : "zh"; localStorage.setItem("cs.lang", S.lang); route(); });
  $("#logoutBtn").addEventListener("click", async () => {
    leaveHearing(); // our own sign-out ends the live feed too (1008): not a "session ended" notice
    await api("POST", "/api/logout", {}); S.me = null; go("#/login");
  });
  document.addEventListener("keydown", (e) => {
    const tag = e.target.tagName;
    if (e.key === "/" && H && !e.defaultPrevented && tag !== "INPUT" && tag !== "TEXTAREA" && tag !== "SELECT" && !$("#dlg").open) {
      e.preventDefault();
      $("#q").focus();
    }
  });
  window.addEventListener("hashchange", route);
  route();
});
