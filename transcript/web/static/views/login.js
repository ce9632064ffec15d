// views/login.js: the sign-in screen (#/login).
import { api } from "../api.js";
import { html, render } from "../html.js";
import { chrome, go } from "../router.js";
import { S } from "../state.js";
import { t } from "../strings.js";
import { $ } from "../ui.js";

export function viewLogin() {
  S.me = null; chrome();
  render($("#main"), [
    html`<form class="card login" id="loginForm"><h1>${t("app")}</h1>`,
    html`<label for="lu">${t("user")}</label><input id="lu" name="name" autocomplete="username" required>`,
    html`<label for="lp">${t("password")}</label><input id="lp" name="password" type="password" autocomplete="current-password" required>`,
    html`<p id="loginNote" class="err" role="alert" hidden></p>`,
    html`<p id="loginErr" class="err" role="alert" hidden></p><button type="submit">${t("signin")}</button></form>`,
  ]);
  if (S.loginNotice) {
    $("#loginNote").textContent = S.loginNotice;
    $("#loginNote").hidden = false;
    S.loginNotice = "";
  }
  $("#lu").focus();
  $("#loginForm").addEventListener("submit", async (e) => {
    e.preventDefault();
    const r = await api("POST", "/api/login", { name: $("#lu").value.trim(), password: $("#lp").value });
    if (r.status === 200) {
      S.me = r.data; S.csrf = r.data.csrf;
      go("#/hearings");
      return;
    }
    const er = $("#loginErr");
    er.hidden = false;
    er.textContent = r.status === 429 ? t("rateLimited") : t("badLogin");
  });
}

