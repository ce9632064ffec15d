// views/users.js: the admin's users page (#/users).
import { api } from "../api.js";
import { html, render } from "../html.js";
import { chrome, route, stale } from "../router.js";
import { S } from "../state.js";
import { errText, t } from "../strings.js";
import { $, say, toast } from "../ui.js";

// users (admin): who may sign in, in which role, and the name every export and header
// prints for them (never the login). Each change is a request to the API, which records it
// on the administration chain with the admin's name.
export async function viewUsers(gen) {
  const r = await api("GET", "/api/users");
  if (stale(gen)) return;
  if (r.status !== 200) { render($("#main"), html`<p class="err">${errText(r)}</p>`); return; }
  const roles = ["admin", "clerk", "judge", "technician", "viewer"];
  const out = [html`<h1>${t("users")}</h1><p class="muted">${t("usersHelp")}</p>`,
    html`<table class="card" id="userTable"><thead><tr><th>${t("user")}</th><th>${t("roleCol")}</th><th>${t("displayName")}</th><th>${t("status")}</th></tr></thead><tbody>`];
  for (const u of r.data) {
    out.push(html`<tr data-user="${u.name}"><td>${u.name}</td><td>${t("r_" + u.role)}</td><td><form class="dn"><input aria-label="${t("displayName") + " " + u.name}" class="dn-input" value="${u.display_name || ""}" maxlength="60"> `,
      html`<button type="submit" class="ghost mini">${t("save")}</button> <span class="dn-state muted" aria-live="polite">${u.display_name ? "" : t("noDisplayName")}</span></form></td>`,
      html`<td>${u.disabled ? html`<span class="badge bad">${t("disabled")}</span>` : ""}</td></tr>`);
  }
  out.push(html`</tbody></table><form class="card" id="newUser"><h2>${t("addUser")}</h2><div class="form-grid">`,
    html`<div><label for="nu-name">${t("user")}</label><input id="nu-name" required autocomplete="off"></div>`,
    html`<div><label for="nu-display">${t("displayName")}</label><input id="nu-display"></div>`,
    html`<div><label for="nu-role">${t("roleCol")}</label><select id="nu-role">${roles.map((x) => html`<option value="${x}"${x === "clerk" ? html` selected` : ""}>${t("r_" + x)}</option>`)}</select></div>`,
    html`<div><label for="nu-pass">${t("password")}</label><input id="nu-pass" type="password" autocomplete="new-password" required></div></div>`,
    html`<p><button type="submit">${t("addUser")}</button></p></form>`);
  render($("#main"), out);
  $("#userTable").addEventListener("submit", async (e) => {
    e.preventDefault();
    const tr = e.target.closest("tr[data-user]");
    const st = tr.querySelector(".dn-state");
    const res = await api("PATCH", "/api/users/" + encodeURIComponent(tr.dataset.user), { display_name: tr.querySelector(".dn-input").value });
    if (stale(gen)) return;
    if (res.status === 200) { st.textContent = t("saved"); tr.querySelector(".dn-input").value = res.data.display_name || ""; if (S.me && res.data.name === S.me.name) { S.me.display_name = res.data.display_name; chrome(); } }
    else st.textContent = errText(res);
  });
  $("#newUser").addEventListener("submit", async (e) => {
    e.preventDefault();
    const res = await api("POST", "/api/users", { name: $("#nu-name").value.trim(), role: $("#nu-role").value, password: $("#nu-pass").value, display_name: $("#nu-display").value.trim() });
    if (stale(gen)) return;
    if (res.status === 201) { toast(t("saved")); route(); } else say(errText(res, t("addUser")));
  });
}

