// courtscribe web UI: vanilla JS, no framework, no build step. Routes by URL hash:
// #/login, #/hearings, #/new, #/edit/ID, #/hearing/ID, #/agents. Talks to /api (JSON, cookie
// session, CSRF header on unsafe requests) and follows a hearing over /api/hearings/ID/live.
"use strict";
(function () {
  const $ = (sel, el) => (el || document).querySelector(sel);
  const S = { me: null, csrf: "", lang: localStorage.getItem("cs.lang") || "", hearingLang: "" };
  let H = null; // the open hearing screen's state
  let pollTimer = 0;

  // ---- strings
  function lang() { return S.lang || S.hearingLang || (navigator.language || "zh").toLowerCase().startsWith("zh") && "zh" || "en"; }
  function t(k, vars) {
    const d = window.CS_I18N[lang()] || window.CS_I18N.zh;
    let s = d[k] != null ? d[k] : k;
    if (vars) for (const v in vars) s = s.replace("{" + v + "}", vars[v]);
    return s;
  }
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }
  function hms(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    const p = (n) => String(n).padStart(2, "0");
    return p(Math.floor(s / 3600)) + ":" + p(Math.floor(s / 60) % 60) + ":" + p(s % 60);
  }
  // fmtTime prints a wall-clock time in the court's zone (the hearing's time_zone), not the
  // browser's: a record is read in the court's local time wherever it is opened.
  function fmtTime(iso, tz) {
    if (!iso) return "";
    const d = new Date(iso);
    if (isNaN(d)) return "";
    const zone = tz || (H && H.hearing && H.hearing.time_zone) || undefined;
    try { return d.toLocaleString(lang() === "zh" ? "zh-CN" : "en-US", { hour12: false, timeZone: zone }); }
    catch (e) { return d.toLocaleString(lang() === "zh" ? "zh-CN" : "en-US", { hour12: false }); }
  }
  function toast(msg) {
    const el = $("#toast");
    el.textContent = msg;
    el.classList.add("show");
    clearTimeout(toast.t);
    toast.t = setTimeout(() => el.classList.remove("show"), 2500);
  }
  // say shows a message that stays until the clerk closes it (errors, refusals, explanations):
  // a toast that vanishes after 2.5 s is easily missed while typing.
  function say(msg, kind) {
    const box = $("#msg");
    box.hidden = false;
    box.className = "msg " + (kind || "bad");
    box.innerHTML = '<span id="msgText"></span> <button type="button" class="ghost" id="msgClose">' + esc(t("dismiss")) + "</button>";
    $("#msgText").textContent = msg;
    $("#msgClose").addEventListener("click", () => { box.hidden = true; });
  }
  // errText turns an API answer into a sentence in the clerk's language; the server's own text
  // (English, with internal ids) is not shown.
  function errText(r, what) {
    const code = r.data && r.data.code;
    const k = { conflict: "e_conflict", state: "e_state", invalid: "e_invalid", bad_json: "e_invalid", forbidden: "e_forbidden",
      bad_password: "e_password", rate_limited: "e_rate", not_found: "e_notfound", too_large: "e_toolarge", storage: "e_storage" }[code];
    const base = r.status === 0 ? t("e_network") : k ? t(k) : t("e_server");
    return (what ? what + "：" : "") + base;
  }
  function segName(sg) {
    const seat = seatOf(sg.seat);
    const txt = Array.from(sg.text || "").slice(0, 24).join("") + ((sg.text || "").length > 24 ? "…" : "");
    return hms(sg.start_ms) + " " + (seat.role || seat.seat) + (seat.person ? "（" + seat.person + "）" : "") + (txt ? "「" + txt + "」" : "");
  }

  // ---- API
  async function api(method, path, body) {
    const opt = { method, headers: {}, credentials: "same-origin" };
    if (method !== "GET" && method !== "HEAD") {
      opt.headers["X-CSRF-Token"] = S.csrf;
      opt.headers["Content-Type"] = "application/json";
      opt.body = JSON.stringify(body || {});
    }
    let res;
    try { res = await fetch(path, opt); } catch (e) { return { status: 0, data: { error: String(e) } }; }
    let data = null;
    const ct = res.headers.get("Content-Type") || "";
    if (ct.startsWith("application/json")) { try { data = await res.json(); } catch (e) { data = null; } }
    // A late 401 (a request of the page just left) while the sign-in form is up must not draw
    // it again: that would wipe what the user is typing.
    if (res.status === 401 && path !== "/api/login") { S.me = null; if (location.hash !== "#/login") go("#/login"); }
    return { status: res.status, data };
  }

  function go(hash) { if (location.hash !== hash) location.hash = hash; else route(); }

  // ---- chrome
  function chrome() {
    document.documentElement.lang = lang() === "zh" ? "zh-CN" : "en";
    $("#brand").textContent = t("app");
    $("#langBtn").textContent = t("lang");
    $("#langBtn").setAttribute("aria-label", lang() === "zh" ? "Switch to English" : "切换到中文");
    const nav = $("#nav");
    nav.innerHTML = "";
    if (S.me) {
      nav.innerHTML = '<a href="#/hearings">' + esc(t("hearings")) + "</a>" +
        (S.me.role === "technician" || S.me.role === "admin" ? ' · <a href="#/agents">' + esc(t("agents")) + "</a>" : "") +
        (S.me.role === "admin" ? ' · <a href="#/users" id="usersLink">' + esc(t("users")) + "</a>" : "");
      $("#who").textContent = (S.me.display_name || S.me.name) + " · " + S.me.role;
      $("#logoutBtn").hidden = false;
      $("#logoutBtn").textContent = t("signout");
    } else {
      $("#who").textContent = "";
      $("#logoutBtn").hidden = true;
    }
  }

  function leaveHearing() {
    if (H) {
      H.closed = true;
      if (H.ws) H.ws.close();
      clearTimeout(H.reconnect);
      H = null;
    }
    clearInterval(pollTimer);
    clearInterval(healthTick);
    S.hearingLang = "";
  }

  // Each route() call is one generation; a view whose data arrives after the user moved on
  // must not paint over the newer screen.
  let routeGen = 0;
  const stale = (gen) => gen !== routeGen;

  async function route() {
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
    main.innerHTML = '<p class="muted">' + esc(t("loading")) + "</p>";
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

  // ---- login
  function viewLogin() {
    S.me = null; chrome();
    $("#main").innerHTML = '<form class="card login" id="loginForm"><h1>' + esc(t("app")) + "</h1>" +
      '<label for="lu">' + esc(t("user")) + '</label><input id="lu" name="name" autocomplete="username" required>' +
      '<label for="lp">' + esc(t("password")) + '</label><input id="lp" name="password" type="password" autocomplete="current-password" required>' +
      '<p id="loginNote" class="err" role="alert" hidden></p>' +
      '<p id="loginErr" class="err" role="alert" hidden></p><button type="submit">' + esc(t("signin")) + "</button></form>";
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

  // ---- hearing list
  function statusBadge(st) {
    const cls = st === "live" ? "badge live" : st === "signed" ? "badge ok" : "badge";
    return '<span class="' + cls + '" data-status="' + esc(st) + '">' + esc(t("st_" + st)) + "</span>";
  }

  // The day a hearing belongs to: when it was scheduled, else when it started, else when it
  // was created. A hearing without a scheduled time (recorded straight from a courtroom) still
  // has a day, so it never vanishes from the list once it is closed or signed.
  function hearingDay(h) { return h.scheduled_at || h.started_at || h.created_at || ""; }
  function localDate(d) { return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 10); }

  async function viewHearings(gen) {
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
    let html = '<div class="toolbar"><h1>' + esc(title) + "</h1>" +
      (showAll ? "" : '<label class="inline">' + esc(t("day")) + ' <input type="date" id="day" value="' + esc(day) + '"></label>' +
        (day !== todayKey ? '<button type="button" class="ghost" id="toToday">' + esc(t("today")) + "</button>" : "")) +
      '<button type="button" class="ghost" id="toggleAll">' + esc(showAll ? t("byDay") : t("all")) + "</button>" +
      (S.me.role === "admin" ? '<a href="#/new" id="newHearing">' + esc(t("newHearing")) + "</a>" : "") + "</div>";
    if (!list.length) html += '<p class="muted">' + esc(t("noHearings")) + "</p>";
    for (const [room, hs] of groups) {
      html += '<section class="card"><h2>' + esc(room) + "</h2><table><thead><tr><th>" + esc(t("scheduledAt")) + "</th><th>" +
        esc(t("caseNumber")) + "</th><th>" + esc(t("title")) + "</th><th>" + esc(t("status")) + "</th><th></th></tr></thead><tbody>";
      for (const h of hs) {
        html += '<tr data-hearing="' + esc(h.id) + '"><td>' + esc(fmtTime(hearingDay(h), h.time_zone) || "—") + "</td><td>" + esc(h.case_number) + "</td><td>" +
          esc(h.title) + "</td><td>" + statusBadge(h.status) + (h.agent_connected ? ' <span class="badge ok">' + esc(t("connected")) + "</span>" : "") +
          '</td><td><a href="#/hearing/' + encodeURIComponent(h.id) + '">' + esc(t("open")) + "</a>" +
          (S.me.role === "admin" ? ' · <a href="#/edit/' + encodeURIComponent(h.id) + '">' + esc(t("edit")) + "</a>" : "") + "</td></tr>";
      }
      html += "</tbody></table></section>";
    }
    $("#main").innerHTML = html;
    $("#toggleAll").addEventListener("click", () => { sessionStorage.setItem("cs.all", showAll ? "0" : "1"); route(); });
    const dayInput = $("#day");
    if (dayInput) dayInput.addEventListener("change", () => { if (dayInput.value) { sessionStorage.setItem("cs.day", dayInput.value); route(); } });
    const toToday = $("#toToday");
    if (toToday) toToday.addEventListener("click", () => { sessionStorage.removeItem("cs.day"); route(); });
  }

  // ---- create / edit hearing
  async function viewHearingForm(id, gen) {
    let h = { id: "", language: "zh", seats: [{ seat: "judge", role: "审判长", person: "" }, { seat: "plaintiff", role: "原告", person: "" }, { seat: "defendant", role: "被告", person: "" }] };
    if (id) {
      const r = await api("GET", "/api/hearings/" + encodeURIComponent(id));
      if (stale(gen)) return;
      if (r.status !== 200) { $("#main").innerHTML = '<p class="err">' + esc(t("notFound")) + "</p>"; return; }
      h = r.data;
    }
    const f = (name, label, val, type) => '<div><label for="f-' + name + '">' + esc(t(label)) + '</label><input id="f-' + name + '" name="' + name + '" type="' + (type || "text") + '" value="' + esc(val || "") + '"></div>';
    const ta = (name, label, val) => '<div><label for="f-' + name + '">' + esc(t(label)) + '</label><textarea id="f-' + name + '" name="' + name + '" rows="3">' + esc((val || []).join("\n")) + "</textarea></div>";
    const sched = h.scheduled_at ? new Date(new Date(h.scheduled_at).getTime() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16) : "";
    let html = '<form id="hf" class="card"><h1>' + esc(id ? t("edit") + " " + id : t("newHearing")) + '</h1><div class="form-grid">' +
      (id ? "" : f("id", "hearingId", h.id)) + f("case_number", "caseNumber", h.case_number) + f("cause", "cause", h.cause) +
      f("court", "court", h.court) + f("courtroom", "courtroom", h.courtroom) + f("title", "title", h.title) +
      '<div><label for="f-language">' + esc(t("language")) + '</label><select id="f-language" name="language"><option value="zh"' + (h.language === "zh" ? " selected" : "") + ">" + esc(t("zhLang")) +
      '</option><option value="en"' + (h.language === "en" ? " selected" : "") + ">" + esc(t("enLang")) + "</option></select></div>" +
      f("scheduled_at", "scheduledAt", sched, "datetime-local") + f("presiding", "presiding", h.presiding) +
      '<div><fieldset id="f-bench"><legend>' + esc(t("bench")) + '</legend><label class="inline"><input type="radio" name="bench" id="f-panel" value="panel"' + ((h.judges || []).length ? " checked" : "") + "> " + esc(t("benchPanel")) +
      '</label><br><label class="inline"><input type="radio" name="bench" id="f-single" value="single"' + ((h.judges || []).length ? "" : " checked") + "> " + esc(t("benchSingle")) + "</label></fieldset></div>" +
      f("judges", "judges", (h.judges || []).join(", ")) + f("clerk", "clerk", h.clerk) + ta("parties", "parties", h.parties) +
      ta("vocabulary", "vocabulary", h.vocabulary) + "</div><h2>" + esc(t("seats")) + '</h2><table id="seatTable"><thead><tr><th>' + esc(t("seat")) +
      "</th><th>" + esc(t("role")) + "</th><th>" + esc(t("person")) + "</th><th>" + esc(t("witness")) + '</th><th></th></tr></thead><tbody></tbody></table>' +
      '<p><button type="button" class="ghost" id="addSeat">' + esc(t("addSeat")) + '</button></p><p id="formErr" class="err" role="alert" hidden></p>' +
      '<div class="toolbar"><button type="submit">' + esc(t("save")) + '</button><a href="#/hearings">' + esc(t("cancel")) + "</a></div></form>";
    $("#main").innerHTML = html;
    const tb = $("#seatTable tbody");
    let n = 0;
    function addSeat(s) {
      n++;
      const tr = document.createElement("tr");
      tr.innerHTML = '<td><input aria-label="' + esc(t("seat")) + " " + n + '" class="s-seat" value="' + esc(s.seat) + '" pattern="[a-z0-9][a-z0-9_-]*"></td>' +
        '<td><input aria-label="' + esc(t("role")) + " " + n + '" class="s-role" value="' + esc(s.role) + '"></td>' +
        '<td><input aria-label="' + esc(t("person")) + " " + n + '" class="s-person" value="' + esc(s.person || "") + '"></td>' +
        '<td><input type="checkbox" aria-label="' + esc(t("witness")) + " " + n + '" class="s-witness"' + (s.witness ? " checked" : "") + "></td>" +
        '<td><button type="button" class="ghost s-del">' + esc(t("remove")) + "</button></td>";
      tr.querySelector(".s-del").addEventListener("click", () => tr.remove());
      tb.appendChild(tr);
    }
    (h.seats || []).forEach(addSeat);
    // 合议庭 or 独任: a single judge has no other judges on the bench.
    const benchShow = () => { $("#f-judges").parentElement.hidden = $("#f-single").checked; };
    $("#f-panel").addEventListener("change", benchShow);
    $("#f-single").addEventListener("change", benchShow);
    benchShow();
    $("#addSeat").addEventListener("click", () => addSeat({ seat: "", role: "", person: "" }));
    $("#hf").addEventListener("submit", async (e) => {
      e.preventDefault();
      const v = (k) => { const el = $("#f-" + k); return el ? el.value.trim() : ""; };
      const lines = (k) => v(k).split("\n").map((x) => x.trim()).filter(Boolean);
      const body = {
        case_number: v("case_number"), cause: v("cause"), court: v("court"), courtroom: v("courtroom"), title: v("title"),
        language: v("language"), presiding: v("presiding"), clerk: v("clerk"),
        judges: $("#f-single").checked ? [] : v("judges").split(/[,，]/).map((x) => x.trim()).filter(Boolean), parties: lines("parties"), vocabulary: lines("vocabulary"),
        seats: Array.from(tb.querySelectorAll("tr")).map((tr) => ({
          seat: tr.querySelector(".s-seat").value.trim(), role: tr.querySelector(".s-role").value.trim(),
          person: tr.querySelector(".s-person").value.trim(), witness: tr.querySelector(".s-witness").checked,
        })).filter((s) => s.seat),
      };
      if (v("scheduled_at")) body.scheduled_at = new Date(v("scheduled_at")).toISOString();
      let r;
      if (id) r = await api("PATCH", "/api/hearings/" + encodeURIComponent(id), body);
      else { body.id = v("id"); r = await api("POST", "/api/hearings", body); }
      if (r.status === 200 || r.status === 201) { toast(t("saved")); go("#/hearing/" + encodeURIComponent(r.data.id)); return; }
      const er = $("#formErr");
      er.hidden = false;
      er.textContent = (r.data && r.data.error) || t("error");
    });
    const first = $("#hf input");
    if (first) first.focus();
  }

  // ---- users (admin): who may sign in, in which role, and the name every export and header
  // prints for them (never the login). Each change is a request to the API, which records it
  // on the administration chain with the admin's name.
  async function viewUsers(gen) {
    const r = await api("GET", "/api/users");
    if (stale(gen)) return;
    if (r.status !== 200) { $("#main").innerHTML = '<p class="err">' + esc(errText(r)) + "</p>"; return; }
    const roles = ["admin", "clerk", "judge", "technician", "viewer"];
    let html = "<h1>" + esc(t("users")) + '</h1><p class="muted">' + esc(t("usersHelp")) + '</p><table class="card" id="userTable"><thead><tr><th>' + esc(t("user")) + "</th><th>" +
      esc(t("roleCol")) + "</th><th>" + esc(t("displayName")) + "</th><th>" + esc(t("status")) + "</th></tr></thead><tbody>";
    for (const u of r.data) {
      html += '<tr data-user="' + esc(u.name) + '"><td>' + esc(u.name) + "</td><td>" + esc(t("r_" + u.role)) + '</td><td><form class="dn"><input aria-label="' + esc(t("displayName") + " " + u.name) +
        '" class="dn-input" value="' + esc(u.display_name || "") + '" maxlength="60"> <button type="submit" class="ghost mini">' + esc(t("save")) + '</button> <span class="dn-state muted" aria-live="polite">' +
        (u.display_name ? "" : esc(t("noDisplayName"))) + "</span></form></td><td>" + (u.disabled ? '<span class="badge bad">' + esc(t("disabled")) + "</span>" : "") + "</td></tr>";
    }
    html += '</tbody></table><form class="card" id="newUser"><h2>' + esc(t("addUser")) + '</h2><div class="form-grid">' +
      '<div><label for="nu-name">' + esc(t("user")) + '</label><input id="nu-name" required autocomplete="off"></div>' +
      '<div><label for="nu-display">' + esc(t("displayName")) + '</label><input id="nu-display"></div>' +
      '<div><label for="nu-role">' + esc(t("roleCol")) + '</label><select id="nu-role">' + roles.map((x) => '<option value="' + x + '"' + (x === "clerk" ? " selected" : "") + ">" + esc(t("r_" + x)) + "</option>").join("") + "</select></div>" +
      '<div><label for="nu-pass">' + esc(t("password")) + '</label><input id="nu-pass" type="password" autocomplete="new-password" required></div></div>' +
      '<p><button type="submit">' + esc(t("addUser")) + "</button></p></form>";
    $("#main").innerHTML = html;
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

  // ---- agents (technicians): live (polled every 2 s), in the user's language, with the
  // same heartbeat as the health panel: a failed poll never leaves a stale green.
  async function viewAgents(gen) {
    let lastOK = 0, first = true;
    async function poll() {
      if (stale(gen)) { clearInterval(pollTimer); return; }
      const r = await api("GET", "/api/agents");
      if (stale(gen)) return;
      if (r.status === 200) { lastOK = Date.now(); render(r.data); }
      else if (first && r.status !== 0) { $("#main").innerHTML = '<p class="err">' + esc(errText(r)) + "</p>"; clearInterval(pollTimer); }
      else render(null);
      first = false;
    }
    let shown = [];
    function render(list) {
      if (list) shown = list;
      const lost = !lastOK || Date.now() - lastOK > 5000;
      let html = "<h1>" + esc(t("agents")) + "</h1>" + (lost ? '<p class="lost" id="connLost" role="alert">' + esc(t("connLost")) + "</p>" : "") +
        '<table class="card" id="agentTable"><thead><tr><th>' + esc(t("courtroom")) + "</th><th>" + esc(t("hearingCol")) + "</th><th>" + esc(t("agentCol")) + "</th><th>" +
        esc(t("status")) + "</th><th>" + esc(t("lastReport")) + "</th><th>" + esc(t("spool")) + "</th><th>" + esc(t("gaps")) + "</th></tr></thead><tbody>";
      for (const a of shown) {
        const age = a.levels_at ? Math.round((Date.now() - new Date(a.levels_at).getTime()) / 1000) : null;
        html += '<tr data-hearing="' + esc(a.hearing) + '"><td>' + esc(a.courtroom) + '</td><td><a href="#/hearing/' + encodeURIComponent(a.hearing) + '">' + esc(a.hearing) + "</a></td><td>" + esc(a.agent) + " " + esc(a.remote) + "</td><td>" +
          (lost ? '<span class="badge">' + esc(t("unknownState")) + "</span>" : a.connected ? '<span class="badge ok">' + esc(t("connected")) + "</span>" : '<span class="badge bad">' + esc(t("disconnected")) + "</span>") +
          "</td><td>" + (age == null ? "—" : esc(t("secondsAgo", { s: Math.max(0, age) }))) + "</td><td>" + esc(Math.round(a.spool_bytes / 1024)) + " KiB</td><td>" + esc(a.gaps) + "</td></tr>";
      }
      if (!shown.length) html += '<tr><td colspan="7" class="muted">' + esc(t("noAgents")) + "</td></tr>";
      $("#main").innerHTML = html + "</tbody></table>";
    }
    await poll();
    clearInterval(pollTimer);
    pollTimer = setInterval(() => { poll(); }, 2000);
  }

  // ---- dialogs
  // dialog opens the one modal dialog and resolves with the button's value ("" when cancelled).
  // A dialog's close event is dispatched after the dialog closed, as a task of its own: a clerk
  // who closes one dialog and at once opens the next (Esc then Alt+D, or OK then Alt+K) opened
  // the new dialog before the old close event ran, and that stale event then resolved the new
  // dialog as cancelled, leaving it open with buttons that did nothing. Now a new dialog first
  // settles the previous call with what it was closed with, and opens one task later, after the
  // previous caller has read its fields and after the stale close event; a close event that
  // arrives while the dialog is open again is ignored.
  let dlgSettle = null;
  function dialog(title, bodyHTML, actions, init) {
    const d = $("#dlg");
    const prev = dlgSettle;
    dlgSettle = null;
    return new Promise((resolve) => {
      const open = () => {
        if (d.open) d.close();
        $("#dlgTitle").textContent = title;
        $("#dlgBody").innerHTML = bodyHTML;
        $("#dlgActions").innerHTML = actions.map((a) => '<button value="' + esc(a.value) + '" class="' + esc(a.cls || "") + '"' +
          (a.value === "" ? ' formnovalidate type="submit"' : "") + ">" + esc(a.label) + "</button>").join("");
        let settled = false;
        const settle = (v) => {
          if (settled) return;
          settled = true;
          d.removeEventListener("close", done);
          if (dlgSettle === settle) dlgSettle = null;
          resolve(v);
        };
        const done = () => { if (!d.open) settle(d.returnValue); };
        dlgSettle = settle;
        d.addEventListener("close", done);
        d.returnValue = "";
        d.showModal();
        if (init) init(d);
        const f = d.querySelector("input, textarea, select");
        if (f) f.focus();
      };
      if (prev) { prev(d.open ? "" : d.returnValue); setTimeout(open, 0); } else open();
    });
  }

  // ---- the live hearing
  function seatOf(name) {
    const s = (H.hearing.seats || []).find((x) => x.seat === name);
    return s || { seat: name, role: name, person: "" };
  }

  function statusWord(sg) {
    let s = sg.edited ? "✔ " + t("verified_seg") : t(sg.status);
    if (sg.overlap) s += " · ⇄ " + t("overlap");
    return s;
  }

  function segInner(sg) {
    const seat = seatOf(sg.seat);
    const text = sg.status === "pending" && !sg.text ? "" : sg.text;
    return '<div class="t"><button type="button" tabindex="-1" data-act="play" aria-label="' + esc(t("play") + " " + hms(sg.start_ms)) + '">▶</button>' +
      esc(hms(sg.start_ms)) + '</div><div class="who">' + esc(seat.role || seat.seat) + "<small>" + esc(seat.person || seat.seat) +
      '</small></div><div class="tx">' + esc(text) + '<span class="st">［' + esc(statusWord(sg)) + "］</span></div>";
  }

  // A text a person typed or confirmed is verified: it no longer looks like it waits for the engine.
  function segClass(sg) { return "seg " + (sg.edited ? "verified" : sg.status); }

  function segHTML(sg) {
    return '<article class="' + segClass(sg) + '" id="s-' + sg.id + '" data-id="' + sg.id + '" data-rev="' + sg.revision + '" tabindex="-1">' + segInner(sg) + "</article>";
  }

  function wallClock(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    if (isNaN(d)) return "";
    try { return d.toLocaleTimeString(lang() === "zh" ? "zh-CN" : "en-US", { hour12: false, timeZone: H && H.hearing.time_zone || undefined }); }
    catch (e) { return d.toLocaleTimeString(); }
  }
  function noteHTML(n) {
    if (n.kind === "sworn" || n.kind === "examination" || n.kind === "exhibit") return markHTML(n);
    const label = { recess: t("recessNote"), resume: t("resumeNote"), gap: t("gapNote"), annotation: t("annotation") }[n.kind] || n.kind;
    const acts = n.kind === "annotation" && H && H.can.edit && editable() ? ' <button type="button" class="ghost mini" data-nact="edit" aria-label="' + esc(t("editNote")) + '">✎</button><button type="button" class="ghost mini" data-nact="delete" aria-label="' + esc(t("strikeNote")) + '">✖</button>' : "";
    return '<div class="note k-' + esc(n.kind) + '" id="n-' + n.id + '" data-note="' + n.id + '"><span class="nt">' + esc(hms(n.at_ms)) + '</span> <span class="wall" title="' + esc(t("wallClock")) + '">（' + esc(wallClock(n.created_at)) + "）</span> " + esc(label) + "：" + esc(n.text) + acts + "</div>";
  }
  // markHTML shows a clerk's mark for the US layout (sworn witness, examination, exhibit) in
  // the words the transcript will print.
  function markHTML(n) {
    const acts = H && H.can.edit && editable() ? ' <button type="button" class="ghost mini" data-nact="delete" aria-label="' + esc(t("strikeMark")) + '">✖</button>' : "";
    return '<div class="note mark k-' + esc(n.kind) + '" id="n-' + n.id + '" data-note="' + n.id + '"><span class="nt">' + esc(hms(n.at_ms)) + '</span> <span class="wall" title="' + esc(t("wallClock")) + '">（' + esc(wallClock(n.created_at)) + "）</span> " + esc(markText(n)) + acts + "</div>";
  }
  function markText(n) {
    const zh = lang() === "zh", colon = zh ? "：" : ": ";
    const who = (seat) => { const s = seatOf(seat); return (s.role || s.seat) + (s.person ? (zh ? "（" + s.person + "）" : " (" + s.person + ")") : ""); };
    let text;
    if (n.kind === "sworn") text = t("m_sworn") + colon + (n.text || who(n.witness));
    else if (n.kind === "exhibit") text = t("m_exhibit") + colon + n.text;
    else if (n.text === "end") text = t("m_examEnd");
    else text = t("x_" + n.text) + " · " + t("m_by") + " " + who(n.seat) + " · " + t("m_witness") + " " + who(n.witness);
    return text;
  }
  function editable() { const st = H && H.hearing.status; return st === "scheduled" || st === "live" || st === "recess" || st === "closed"; }

  // Items (segments and notes) are kept sorted by time; key orders notes before segments at
  // the same time and then by id.
  function keyOf(it) { return it.kind === "s" ? [it.v.start_ms, 1, it.v.id] : [it.v.at_ms, 0, it.v.id]; }
  function cmp(a, b) { const x = keyOf(a), y = keyOf(b); return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; }
  function findPos(it) {
    let lo = 0, hi = H.items.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (cmp(H.items[mid], it) < 0) lo = mid + 1; else hi = mid; }
    return lo;
  }
  function elOf(it) { return document.getElementById((it.kind === "s" ? "s-" : "n-") + it.v.id); }

  function insertItem(it) {
    const pos = findPos(it);
    H.items.splice(pos, 0, it);
    const tmp = document.createElement("div");
    tmp.innerHTML = it.kind === "s" ? segHTML(it.v) : noteHTML(it.v);
    const el = tmp.firstChild;
    const next = H.items[pos + 1];
    const list = $("#tx");
    if (next) list.insertBefore(el, elOf(next)); else list.insertBefore(el, $("#followBtn"));
    return pos === H.items.length - 1;
  }

  function removeItem(kind, id) {
    const i = H.items.findIndex((x) => x.kind === kind && x.v.id === id);
    if (i >= 0) { const el = elOf(H.items[i]); if (el) el.remove(); H.items.splice(i, 1); }
  }

  function nearBottom() { const l = $("#tx"); return l.scrollTop + l.clientHeight >= l.scrollHeight - 60; }

  function applySegment(sg, actor) {
    const old = H.segs.get(sg.id);
    if (old && sg.revision < old.revision) return; // an older snapshot arriving late
    // The same revision again (an answer and its live event): the row already shows it, and
    // re-rendering would swap its ▶ button under the pointer.
    if (old && sg.revision === old.revision && !sg.deleted && !(H.editing && H.editing.id === sg.id) && document.getElementById("s-" + sg.id)) return;
    if (H.editing && H.editing.id === sg.id) {
      H.segs.set(sg.id, sg);
      // Someone else (another user, or this clerk in another window) changed it meanwhile.
      if (sg.revision > H.editing.base.revision && !H.editing.saving) showRemoteChange(sg, actor);
      return; // never touch the row being edited
    }
    if (sg.deleted) { H.segs.delete(sg.id); removeItem("s", sg.id); return; }
    H.segs.set(sg.id, sg);
    const el = document.getElementById("s-" + sg.id);
    if (el && old && old.start_ms === sg.start_ms) {
      const it = H.items.find((x) => x.kind === "s" && x.v.id === sg.id);
      if (it) it.v = sg;
      el.className = segClass(sg) + (el.classList.contains("hit") ? " hit" : "");
      el.dataset.rev = sg.revision;
      el.innerHTML = segInner(sg);
      return;
    }
    const follow = H.follow && !H.editing && nearBottom();
    if (el) removeItem("s", sg.id);
    const atEnd = insertItem({ kind: "s", v: sg });
    if (atEnd && !old) {
      if (follow) scrollToEnd(); else { H.unseen++; showFollow(); }
    }
  }

  function scrollToEnd() { const l = $("#tx"); l.scrollTop = l.scrollHeight; }
  function showFollow() {
    const b = $("#followBtn");
    b.hidden = H.unseen === 0;
    b.textContent = "↓ " + H.unseen + " " + t("newSegments");
  }

  function applyEvent(m) {
    const a = m.after;
    if (!a) return;
    if (m.kind.startsWith("segment.")) applySegment(a, m.actor);
    else if (m.kind === "note.added") { if (!H.notes.has(a.id)) { H.notes.set(a.id, a); insertItem({ kind: "n", v: a }); } }
    else if (m.kind === "note.edited" || m.kind === "note.deleted") applyNote(a);
    else if (m.kind === "hearing.status" || m.kind === "hearing.updated" || m.kind === "hearing.created") { H.hearing = Object.assign(H.hearing, a); renderHead(); }
    else if (m.kind === "hearing.finalized" || m.kind === "hearing.signed" || m.kind === "hearing.corrected") refreshHearing();
    else if (m.kind === "alarm.acknowledged") pollHealth();
  }

  function applyNote(a) {
    const old = H.notes.get(a.id);
    if (old && (old.revision || 0) > (a.revision || 0)) return;
    // The same revision again (the request's answer and the live event both bring it): keep the
    // row as it is. Re-rendering it swapped its ✎/✖ buttons under the pointer, so a click
    // whose press and release straddled the second copy was lost.
    if (old && (old.revision || 0) === (a.revision || 0) && !a.deleted && document.getElementById("n-" + a.id)) return;
    removeItem("n", a.id);
    if (a.deleted) { H.notes.delete(a.id); return; }
    H.notes.set(a.id, a);
    insertItem({ kind: "n", v: a });
  }

  async function refreshHearing() {
    if (!H) return;
    const r = await api("GET", "/api/hearings/" + encodeURIComponent(H.id));
    if (r.status === 200 && H) { H.hearing = r.data; renderHead(); }
  }

  function connect() {
    if (!H || H.closed) return;
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(proto + "//" + location.host + "/api/hearings/" + encodeURIComponent(H.id) + "/live?after=" + H.cursor);
    H.ws = ws;
    ws.onopen = () => { H.online = true; renderOnline(); };
    ws.onmessage = (ev) => {
      const f = JSON.parse(ev.data);
      if (f.type === "events") {
        for (const m of f.events) { if (m.id > H.cursor) { H.cursor = m.id; applyEvent(m); } }
        window.csLastEvent = H.cursor;
      } else if (f.type === "caught_up") { H.caughtUp = true; }
    };
    ws.onclose = (ev) => {
      if (!H || H.closed || H.ws !== ws) return;
      // 1008 (policy violation): the server ended the feed because the session ended (signed
      // out elsewhere, account disabled, password changed, expired). Retrying cannot help.
      if (ev.code === 1008) { sessionEnded(); return; }
      H.online = false; renderOnline();
      H.reconnect = setTimeout(async () => {
        if (!H || H.closed || H.ws !== ws) return;
        // A close that lost its 1008 (a proxy, a dropped link) must not become a reconnect
        // storm either: a session the server no longer knows is the same ending.
        let r = null;
        try { r = await fetch("/api/session", { credentials: "same-origin" }); } catch (e) { r = null; }
        if (!H || H.closed || H.ws !== ws) return;
        if (r && r.status === 401) { sessionEnded(); return; }
        connect();
      }, 1000);
    };
  }

  // sessionEnded stops the live feed for good and goes to the sign-in screen with the reason,
  // in the language the user was reading.
  function sessionEnded() {
    S.loginNotice = t("sessionEnded");
    if (H) { H.closed = true; clearTimeout(H.reconnect); }
    S.me = null;
    go("#/login");
  }

  // renderOnline: the live dot is green only while the feed is open and the server answered
  // within the health panel's heartbeat. A socket can stay "open" for minutes after the server
  // or the network died (no close frame, no RST), so the open socket alone is no proof.
  function renderOnline() {
    const el = $("#online");
    if (!el || !H) return;
    const beat = H.healthAt && Date.now() - H.healthAt <= HEARTBEAT_MS;
    const on = H.online && beat;
    el.className = "live-dot " + (on ? "on" : "off");
    el.textContent = on ? t("online") : H.online && H.healthAt ? t("liveLost") : t("reconnecting");
  }

  function lastMS() {
    let ms = 0;
    for (const sg of H.segs.values()) ms = Math.max(ms, sg.end_ms);
    return ms;
  }

  function renderHead() {
    if (!H) return;
    const h = H.hearing, c = H.can;
    let b = "";
    if (c.lifecycle && h.status === "scheduled") b += '<button type="button" data-act="start">' + esc(t("start")) + "</button>";
    if (c.lifecycle && h.status === "live") b += '<button type="button" data-act="recess">' + esc(t("recess")) + "</button>";
    if (c.lifecycle && h.status === "recess") b += '<button type="button" data-act="resume">' + esc(t("resume")) + "</button>";
    if (c.edit && editable()) b += '<button type="button" class="ghost" data-act="insert">' + esc(t("insertUtt")) + "</button>" +
      '<button type="button" class="ghost" data-act="marks">' + esc(t("marksBtn")) + "</button>";
    if ((c.edit || c.manage) && editable()) b += '<button type="button" class="ghost" data-act="header">' + esc(t("headerBtn")) + "</button>";
    if (c.lifecycle && (h.status === "live" || h.status === "recess")) b += '<button type="button" class="danger" data-act="close">' + esc(t("close")) + "</button>";
    if (c.correct && (h.status === "finalized" || h.status === "signed")) b += '<button type="button" data-act="correct">' + esc(t("correctBtn")) + "</button>";
    if (c.finalize && h.status === "closed") b += '<button type="button" data-act="finalize">' + esc(t("finalize")) + "</button>";
    if (c.finalize && h.status === "finalized") b += '<button type="button" class="ghost" data-act="review">' + esc(t("reviewTitle")) + "</button>";
    if (c.sign && h.status === "finalized") b += '<button type="button" data-act="sign">' + esc(t("sign")) + "</button>";
    const ex = "/api/hearings/" + encodeURIComponent(h.id) + "/export?format=";
    b += '<span id="exports">' + esc(t("export")) + ": " + EXPORT_FORMATS.map((f) => '<a href="' + ex + f + '" download data-format="' + f + '"' + (f === "json" ? ' id="exportLink"' : "") + ">" + f.toUpperCase() + "</a>").join(" · ") + "</span>";
    $("#head").innerHTML = '<div class="toolbar"><a href="#/hearings">← ' + esc(t("back")) + "</a><h1>" + esc(h.title || h.id) + "</h1>" +
      statusBadge(h.status) + ' <span id="online" class="live-dot"></span>' + (c.edit ? "" : ' <span class="badge">' + esc(t("viewOnly")) + "</span>") +
      '</div><div class="toolbar"><span class="muted">' + esc(h.case_number) + " · " + esc(h.cause) + " · " + esc(h.courtroom) +
      (h.time_zone ? ' · <span id="tz">' + esc(t("timeZone")) + " " + esc(h.time_zone) + "</span>" : "") +
      '</span><span class="spacer"></span>' + b + '</div><div id="signBox">' + (H.signHTML || "") + "</div>";
    renderOnline();
    if (h.status === "signed" || h.status === "finalized") renderSigned();
  }

  // Every format `courtscribe transcript export` writes (transcript/export.Formats; a browser
  // test holds the two lists equal).
  const EXPORT_FORMATS = ["json", "txt", "pdf", "srt", "vtt"];

  const roleWord = (r) => ({ presiding: t("presidingRole"), judge: t("judgeRole"), clerk: t("clerkRole") }[r] || "");

  // renderSigned shows the version, every signature (who, in which part, when), who still has
  // to sign, the parties' reviews and the verified badge.
  async function renderSigned() {
    const r = await api("GET", "/api/hearings/" + encodeURIComponent(H.id) + "/verify");
    if (!H || r.status !== 200) return;
    const v = r.data, last = v.versions[v.versions.length - 1];
    if (!last) return;
    H.verify = last;
    let html = '<div class="signed" id="signed">' + esc(t("version")) + " " + last.number;
    const sigs = last.signatures || [];
    if (sigs.length) {
      html += " · " + esc(t("signedBy")) + " " + sigs.map((x) => '<strong class="sig" data-signer="' + esc(x.signer) + '">' + esc((roleWord(x.role) ? roleWord(x.role) + " " : "") + (x.signer_name || x.signer)) + "</strong>" +
        (x.ok ? " ✔" : " ✖") + " " + esc(fmtTime(x.signed_at))).join("，");
      html += " · " + esc(t("signedAt")) + " " + esc(fmtTime(last.signed_at));
    }
    if ((last.missing || []).length) html += '<br><span id="missing">' + esc(t("awaiting")) + "：" + esc(last.missing.map((p) => p.name || p.user).join("、")) + "</span>";
    if ((last.reviews || []).length) html += '<br><span id="reviews">' + esc(t("reviewsLabel")) + "：" + last.reviews.map((x) => esc(x.party) + " " +
      (x.outcome === "refused" ? esc(t("refused")) + "（" + esc(x.reason) + "）" : esc(t("confirmedRead")))).join("；") + "</span>";
    const ok = v.audit_ok && last.hash_ok && (sigs.length === 0 || last.signature_ok);
    html += " · " + (ok ? '<span class="badge ok" id="verifiedBadge">' + esc(t("verified")) + "</span>" : '<span class="badge bad" id="verifiedBadge">' + esc(t("notVerified")) + "</span>");
    H.signHTML = html + "</div>";
    $("#signBox").innerHTML = H.signHTML;
    // Who has signed no longer gets the sign button; reviews are over once anyone signed.
    if (sigs.some((x) => x.signer === S.me.name)) { const b = $("#head button[data-act=sign]"); if (b) b.remove(); }
    if (sigs.length) { const b = $("#head button[data-act=review]"); if (b) b.remove(); }
  }

  // signDialog shows the judge (or the clerk) what they sign: the formatted document, the case,
  // the version and its hash; the password unlocks the signing key.
  async function signDialog() {
    const id = encodeURIComponent(H.id), h = H.hearing;
    const vr = await api("GET", "/api/hearings/" + id + "/versions");
    const ver = vr.status === 200 && vr.data.length ? vr.data[vr.data.length - 1] : null;
    if (!ver) { say(t("e_state")); return; }
    let preview = "";
    try {
      const res = await fetch("/api/hearings/" + id + "/export?format=txt&version=" + ver.number, { credentials: "same-origin" });
      preview = res.ok ? await res.text() : "";
    } catch (e) { preview = ""; }
    if (!preview) { say(t("e_network")); return; }
    const v = await dialog(t("signTitle") + " — " + (h.case_number || h.id) + " · " + t("version") + " " + ver.number,
      '<dl class="signwhat" id="signWhat"><dt>' + esc(t("caseNumber")) + "</dt><dd>" + esc(h.case_number) + "</dd><dt>" + esc(t("title")) + "</dt><dd>" + esc(h.title) +
      "</dd><dt>" + esc(t("version")) + '</dt><dd id="signVersion">' + ver.number + "</dd><dt>" + esc(t("versionHash")) + '</dt><dd><code id="signHash">' + esc(ver.hash) + "</code></dd></dl>" +
      '<p class="muted">' + esc(t("previewHelp")) + ' <a href="/api/hearings/' + id + "/export?format=pdf&version=" + ver.number + '" target="_blank" rel="noopener">PDF</a></p>' +
      '<pre class="preview" id="preview" tabindex="0">' + esc(preview) + "</pre>" +
      '<label for="dPass">' + esc(t("signPassword")) + '</label><input id="dPass" type="password" autocomplete="current-password" required>',
      [{ label: t("signConfirm"), value: "ok" }, { label: t("cancel"), value: "", cls: "ghost" }]);
    if (v !== "ok") return;
    const r = await api("POST", "/api/hearings/" + id + "/sign", { password: $("#dPass").value });
    report(r, t("sign"));
    if (r.status === 200) { refreshHearing(); renderSigned(); }
  }

  async function reviewDialog() {
    const v = await dialog(t("reviewTitle"), '<p class="muted">' + esc(t("reviewHelp")) + '</p><label for="rvParty">' + esc(t("party")) + '</label><input id="rvParty" required>' +
      '<label for="rvOutcome">' + esc(t("reviewOutcome")) + '</label><select id="rvOutcome"><option value="confirmed">' + esc(t("confirmedRead")) + '</option><option value="refused">' + esc(t("refused")) + "</option></select>" +
      '<label for="rvReason">' + esc(t("reviewReason")) + '</label><input id="rvReason">',
      [{ label: t("save"), value: "ok" }, { label: t("cancel"), value: "", cls: "ghost" }]);
    if (v !== "ok") return;
    const r = await api("POST", "/api/hearings/" + encodeURIComponent(H.id) + "/review", { party: $("#rvParty").value, outcome: $("#rvOutcome").value, reason: $("#rvReason").value });
    report(r, t("reviewTitle"));
    if (r.status === 200) renderSigned();
  }

  async function lifecycleAct(act) {
    const id = encodeURIComponent(H.id);
    if (act === "recess" || act === "resume") {
      const v = await dialog(t(act), '<label for="dReason">' + esc(t("reason")) + '</label><input id="dReason" name="reason" required>',
        [{ label: t(act), value: "ok" }, { label: t("cancel"), value: "", cls: "ghost" }]);
      if (v !== "ok") return;
      const r = await api("POST", "/api/hearings/" + id + "/" + act, { at_ms: lastMS(), reason: $("#dReason").value });
      report(r, t(act));
    } else if (act === "start") {
      report(await api("POST", "/api/hearings/" + id + "/" + act, {}), t("start"));
    } else if (act === "close") {
      // Closing stops the recording and cannot be undone: the clerk confirms it.
      const v = await dialog(t("closeTitle"), '<p id="closeWarn" class="warnbox">' + esc(t("closeWarn")) + "</p>",
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
      const line = (ids, k) => ids.length ? "<li>" + ids.length + " " + esc(t(k)) + " (" + ids.slice(0, 20).map((x) => '<a href="#s-' + x + '" data-goto="' + x + '">#' + x + "</a>").join(" ") + ")</li>" : "";
      const issues = line(s.pending, "pendingUtt") + line(s.partial, "partialUtt") + line(s.overlaps, "overlapsOpen") + line(s.empty, "emptyFinal");
      const v = await dialog(t("finalizeTitle"), "<h3>" + esc(t("openIssues")) + '</h3><ul id="issues">' + (issues || "<li>" + esc(t("noIssues")) + "</li>") + "</ul>",
        [{ label: t("confirmFinalize"), value: "ok" }, { label: t("cancel"), value: "", cls: "ghost" }]);
      if (v !== "ok") return;
      report(await api("POST", "/api/hearings/" + id + "/finalize", {}), t("finalize"));
    } else if (act === "sign") {
      signDialog();
    } else if (act === "review") {
      reviewDialog();
    }
  }

  function report(r, what) {
    if (r.status >= 200 && r.status < 300) { toast(t("saved")); return; }
    say(errText(r, what));
  }

  // ---- health panel
  // The panel never shows a stale green: a heartbeat (the last successful poll) older than
  // HEARTBEAT_MS, or a failed poll, turns it into "connection lost" with grey meters. Alarms
  // stay listed (and their meter marked) until the clerk acknowledges them, even after the
  // condition cleared; a new alarm can sound.
  const HEARTBEAT_MS = 5000;
  let healthTick = 0;

  function alarmKey(a) { return a.code + "/" + (a.seat || ""); }

  async function pollHealth() {
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
  function serverAlarms(panel, now) {
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

  function beep() {
    try {
      const ctx = H.audioCtx || (H.audioCtx = new (window.AudioContext || window.webkitAudioContext)());
      const o = ctx.createOscillator(), g = ctx.createGain();
      o.frequency.value = 880; g.gain.value = 0.2;
      o.connect(g); g.connect(ctx.destination);
      o.start(); o.stop(ctx.currentTime + 0.4);
      window.csBeeps = (window.csBeeps || 0) + 1;
    } catch (e) { /* no audio device: the alarm is still shown */ }
  }

  function alarmText(a) {
    return (a.seat ? seatOf(a.seat).role + ": " : "") + (window.CS_I18N[lang()]["al_" + a.code] || t("al_other"));
  }

  function renderHealth() {
    const box = $("#health");
    if (!box || !H) return;
    const lost = !H.healthAt || Date.now() - H.healthAt > HEARTBEAT_MS;
    const hl = H.health;
    let html = "";
    if (lost) {
      html += '<p class="lost" id="connLost" role="alert">' + esc(t("connLost")) + (H.healthAt ? " " + esc(t("lastHeard", { s: Math.round((Date.now() - H.healthAt) / 1000) })) : "") + "</p>";
    }
    const marked = new Set();
    for (const v of H.alarms.values()) if (v.a.seat && !v.acked) marked.add(v.a.seat);
    if (hl && hl.agent) {
      html += "<p>" + (lost ? '<span class="badge">' + esc(t("unknownState")) + "</span>" :
        hl.agent.connected ? '<span class="badge ok">' + esc(t("connected")) + "</span>" : '<span class="badge bad">' + esc(t("disconnected")) + "</span>") + "</p>";
      for (const l of hl.agent.levels || []) {
        const seat = seatOf(l.seat);
        const clip = l.clipped > 0 || l.peak_dbfs >= -0.1;
        const al = marked.has(l.seat);
        html += '<div class="meter' + (lost ? " stale" : "") + (al ? " alarm" : "") + '" data-seat="' + esc(l.seat) + '"><span>' + (al ? "⚠ " : "") + esc(seat.role || l.seat) + '</span><div class="bar' + (clip && !lost ? " clip" : "") +
          '" role="meter" aria-valuemin="-60" aria-valuemax="0" aria-valuenow="' + (lost ? -60 : Math.round(l.rms_dbfs)) + '" aria-label="' + esc(seat.role || l.seat) +
          '"><span data-w="' + (lost ? 0 : Math.max(0, Math.min(100, (l.rms_dbfs + 60) / 60 * 100)).toFixed(0)) + '"></span></div><span>' + (lost ? "—" : Math.round(l.rms_dbfs) + " dB" + (clip ? " ⚠CLIP" : "")) + "</span></div>";
      }
      html += '<p class="muted">' + esc(t("spool")) + ": " + Math.round((hl.agent.spool_bytes || 0) / 1024) + " KiB · " + esc(t("gaps")) + ": " + (hl.agent.gaps || 0) + "</p>";
    } else if (!lost) html += '<p class="muted">' + esc(t("agentUnknown")) + "</p>";
    const items = Array.from(H.alarms.entries());
    const top = html;
    html = '<ul class="alarms" id="alarms">' + (items.length ? items.map(([k, v]) => '<li data-code="' + esc(v.a.code) + '" data-key="' + esc(k) + '" class="' + (v.active ? "active" : "cleared") + (v.acked ? " acked" : "") + '">' +
      esc(alarmText(v.a)) + (v.active ? "" : " " + esc(t("alarmCleared"))) +
      (v.ack ? ' <span class="ackby">' + esc(t("ackedBy", { who: v.a.ack_name || v.ack.by, at: wallClock(v.ack.at) })) + "</span>" : "") + (v.acked ? "" : ' <button type="button" class="ghost mini" data-ack="' + esc(k) + '">' + esc(t("ack")) + "</button>") + "</li>").join("") :
      lost ? "" : '<li class="okline">' + esc(t("noAlarms")) + "</li>") + "</ul>";
    html += '<p><label class="inline"><input type="checkbox" id="alarmSound"' + (H.sound ? " checked" : "") + "> " + esc(t("alarmSound")) + "</label></p>";
    const alarms = html;
    html = "";
    if (hl) html += "<p>" + esc(t("engine")) + ": " + esc(hl.engine || "—") + " · " + esc(t("backlog")) + ': <strong id="backlog">' + hl.backlog + "</strong></p>";
    if (hl && hl.engine_system) html += '<p class="muted" id="engine-system">' + esc(hl.engine_system) + "</p>";
    // Each part is replaced only when it changed: a poll every 2 s that rebuilt the whole panel
    // replaced the Acknowledge button and the sound checkbox under the clerk's pointer, so a
    // click whose press and release straddled a poll was lost.
    if (!box.querySelector("#hTop")) box.innerHTML = "<h2>" + esc(t("health")) + '</h2><div id="hTop"></div><div id="hAlarms"></div><div id="hEngine"></div>';
    if (setHTML($("#hTop", box), top)) box.querySelectorAll(".bar > span").forEach((s) => { s.style.width = s.dataset.w + "%"; });
    setHTML($("#hAlarms", box), alarms);
    setHTML($("#hEngine", box), html);
    box.classList.toggle("lost", lost);
    window.csLostAt = lost ? window.csLostAt || Date.now() : 0; // for the tests: when "lost" was first shown
  }
  // setHTML replaces an element's content only when the markup differs; it reports whether it did.
  function setHTML(el, html) {
    if (el.csHTML === html) return false;
    el.innerHTML = html;
    el.csHTML = html;
    return true;
  }

  async function onHealthClick(e) {
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
  function onHealthChange(e) {
    if (e.target.id === "alarmSound") { H.sound = e.target.checked; localStorage.setItem("cs.sound", H.sound ? "1" : "0"); if (H.sound) beep(); }
  }

  // ---- editing
  function curRow() { const a = document.activeElement; return a && a.closest ? a.closest(".seg") : null; }
  function rowAt(el, dir) {
    let n = dir > 0 ? el.nextElementSibling : el.previousElementSibling;
    while (n && !n.classList.contains("seg")) n = dir > 0 ? n.nextElementSibling : n.previousElementSibling;
    return n;
  }
  function focusRow(el) { if (el) { el.focus(); el.scrollIntoView({ block: "nearest" }); } }
  // After a request, focus moves only if it is still where the action left it (on `from`, inside
  // it, or nowhere): an answer that arrives after the clerk moved on to another segment or
  // started typing in another editor must not pull focus away from there.
  function focusRowFrom(el, from) {
    const a = document.activeElement;
    if (!a || a === document.body || (from && from.contains(a))) focusRow(el);
  }

  function startEdit(row, caretEnd) {
    // After finalizing the text is frozen: changes are corrections (补正), never edits.
    if (!editable()) { if (H.can.correct && (H.hearing.status === "finalized" || H.hearing.status === "signed")) correct(row); return; }
    if (!H.can.edit || H.editing) return;
    const sg = H.segs.get(+row.dataset.id);
    if (!sg) return;
    H.editing = { id: sg.id, base: sg, row };
    const tx = row.querySelector(".tx");
    tx.innerHTML = '<textarea aria-label="' + esc(seatOf(sg.seat).role + " " + hms(sg.start_ms)) + '"></textarea><div class="remote" role="alert"></div>';
    const ta = tx.querySelector("textarea");
    ta.value = sg.text;
    ta.focus();
    const p = caretEnd === false ? 0 : ta.value.length;
    ta.setSelectionRange(p, p);
  }

  function endEdit(sgShown) {
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
    row.innerHTML = segInner(sg);
    if (here) row.focus();
  }

  function showRemoteChange(sg, actor) {
    const box = H.editing.row.querySelector(".remote");
    if (!box) return;
    H.editing.row.classList.add("conflict");
    box.innerHTML = '<div class="conflictbox"><h3>' + esc(t("changedWhileEditing", { who: actor })) + "</h3><pre>" + esc(sg.text) + "</pre></div>";
  }

  async function saveEdit() {
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

  function showConflict(e, mine, cur) {
    const row = e.row;
    row.classList.add("conflict");
    H.segs.set(cur.id, cur);
    const tx = row.querySelector(".tx");
    tx.innerHTML = '<div class="conflictbox" tabindex="-1" role="alertdialog" aria-labelledby="cf-' + cur.id + '"><h3 id="cf-' + cur.id + '">' + esc(t("conflictTitle")) + " — " +
      esc(t("conflictBody", { who: cur.updated_by })) + '</h3><div class="cols"><div><strong>' + esc(t("yours")) + '</strong><pre class="mine">' + esc(mine) +
      "</pre></div><div><strong>" + esc(t("theirs")) + '</strong><pre class="theirs">' + esc(cur.text) + "</pre></div></div>" +
      '<button type="button" data-act="keepMine">' + esc(t("keepMine")) + '</button> <button type="button" class="ghost" data-act="takeTheirs">' + esc(t("takeTheirs")) + "</button></div>";
    e.conflict = { mine, cur };
    // Focus the box, not a choice: a held or repeated Enter must not pick one by accident.
    tx.querySelector(".conflictbox").focus();
  }

  async function resolveConflict(keepMine) {
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

  function runeOffset(s, i) { return Array.from(s.slice(0, i)).length; }

  async function splitAtCaret() {
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

  async function mergeNext(row) {
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

  async function relabel(row) {
    const sg = H.segs.get(+row.dataset.id);
    if (!sg) return;
    const opts = (H.hearing.seats || []).map((s) => '<option value="' + esc(s.seat) + '"' + (s.seat === sg.seat ? " selected" : "") + ">" + esc(s.role + (s.person ? " · " + s.person : "") + " (" + s.seat + ")") + "</option>").join("");
    const v = await dialog(t("relabel") + " — " + segName(sg), '<p class="muted" id="relabelWhat">' + esc(segName(sg)) + '</p><label for="dSeat">' + esc(t("seat")) + '</label><select id="dSeat">' + opts + "</select>",
      [{ label: t("save"), value: "ok" }, { label: t("cancel"), value: "", cls: "ghost" }]);
    if (v !== "ok") { focusRowFrom(row, row); return; }
    const seat = $("#dSeat").value;
    if (seat === sg.seat) { focusRowFrom(row, row); return; }
    const r = await api("POST", "/api/segments/" + sg.id + "/relabel", { revision: sg.revision, seat });
    if (r.status === 200) { applySegment(r.data.segment, S.me.name); toast(t("saved")); } else report(r, t("relabel"));
    focusRowFrom(document.getElementById("s-" + sg.id), row);
  }

  async function addNote(row) {
    const sg = row ? H.segs.get(+row.dataset.id) : null;
    const v = await dialog(t("note"), '<label for="dNote">' + esc(t("noteText")) + '</label><input id="dNote" required>',
      [{ label: t("save"), value: "ok" }, { label: t("cancel"), value: "", cls: "ghost" }]);
    if (v !== "ok") return;
    const r = await api("POST", "/api/hearings/" + encodeURIComponent(H.id) + "/notes", { at_ms: sg ? sg.end_ms : lastMS(), segment_id: sg ? sg.id : 0, text: $("#dNote").value });
    report(r, t("note"));
    if (row) focusRowFrom(row, row);
  }

  async function history(row) {
    const r = await api("GET", "/api/segments/" + row.dataset.id + "/history");
    if (r.status !== 200) return report(r);
    const rows = r.data.map((e) => "<tr><td>" + esc(fmtTime(e.at)) + "</td><td>" + esc(actorName(e.actor)) + "</td><td>" + esc(t("k_" + e.kind) !== "k_" + e.kind ? t("k_" + e.kind) : t("k_other")) + esc(histReason(e)) +
      "</td><td>" + esc(e.before ? e.before.text : "") + "</td><td>" + esc(e.after ? (e.after.text || "") + (e.after.seat && e.before && e.after.seat !== e.before.seat ? " [" + e.before.seat + "→" + e.after.seat + "]" : "") : "") + "</td></tr>").join("");
    const hsg = H.segs.get(+row.dataset.id);
    await dialog(t("history") + " — " + (hsg ? segName(hsg) : ""), '<table class="hist" id="histTable"><thead><tr><th>' + esc(t("at")) + "</th><th>" + esc(t("actor")) + "</th><th>" + esc(t("change")) +
      "</th><th>" + esc(t("before")) + "</th><th>" + esc(t("after")) + "</th></tr></thead><tbody>" + rows + "</tbody></table>", [{ label: "OK", value: "ok" }]);
    focusRowFrom(row, row);
  }

  // actorName names who made a change in words: people by name, the machine by what it is.
  function actorName(a) {
    if (a === "diarizer") return t("a_diarizer");
    if (a === "system") return t("a_system");
    if (a.startsWith("engine:")) return t("a_engine");
    return a;
  }

  // histReason: the clerk's own reasons are shown as written; the store's technical notes
  // (which name internal ids) are said in words.
  function histReason(e) {
    if (!e.reason) return "";
    if (/^merged (with|into) segment \d+$/.test(e.reason)) return " (" + t("r_merged") + ")";
    if (/^split from segment \d+$/.test(e.reason)) return " (" + t("r_split") + ")";
    if (e.actor.startsWith("engine:") || e.actor === "diarizer" || e.actor === "system") return "";
    return " (" + e.reason + ")";
  }

  // ---- repairs: confirm, strike, insert, notes, corrections
  async function confirmSeg(row) {
    const sg = H.segs.get(+row.dataset.id);
    if (!sg || sg.edited || !editable()) return;
    if (!(sg.text || "").trim()) { say(t("confirmEmpty"), "info"); return; }
    const r = await api("POST", "/api/segments/" + sg.id + "/edit", { revision: sg.revision, text: sg.text });
    if (r.status === 200) { applySegment(r.data.segment, S.me.name); toast(t("confirmed")); focusRowFrom(document.getElementById("s-" + sg.id), row); }
    else report(r, t("confirmSeg"));
  }

  async function strike(row) {
    const sg = H.segs.get(+row.dataset.id);
    if (!sg || !editable()) return;
    const v = await dialog(t("strikeTitle") + " — " + segName(sg), '<p class="muted">' + esc(t("strikeHelp")) + '</p><label for="dReason">' + esc(t("reason")) + '</label><input id="dReason" required>',
      [{ label: t("strike"), value: "ok", cls: "danger" }, { label: t("cancel"), value: "", cls: "ghost" }]);
    if (v !== "ok") { focusRowFrom(row, row); return; }
    const next = rowAt(row, 1) || rowAt(row, -1);
    const r = await api("POST", "/api/segments/" + sg.id + "/delete", { revision: sg.revision, reason: $("#dReason").value });
    if (r.status === 200) { applySegment(r.data.segment, S.me.name); toast(t("saved")); focusRowFrom(next, row.isConnected ? row : null); }
    else report(r, t("strike"));
  }

  function parseClock(s) {
    const m = String(s).trim().match(/^(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:\.(\d{1,3}))?$/);
    if (!m) return NaN;
    return ((+(m[1] || 0)) * 3600 + (+m[2]) * 60 + (+m[3])) * 1000 + (m[4] ? +m[4].padEnd(3, "0") : 0);
  }

  async function insertUtterance(row) {
    if (!editable()) return;
    const sg = row ? H.segs.get(+row.dataset.id) : null;
    const at = sg ? sg.end_ms : lastMS();
    const opts = (H.hearing.seats || []).map((s) => '<option value="' + esc(s.seat) + '">' + esc(s.role + (s.person ? " · " + s.person : "")) + "</option>").join("");
    const v = await dialog(t("insertUtt"), '<p class="muted">' + esc(t("insertHelp")) + "</p>" +
      '<label for="iSeat">' + esc(t("speaker")) + '</label><select id="iSeat">' + opts + "</select>" +
      '<label for="iStart">' + esc(t("fromClock")) + '</label><input id="iStart" required value="' + esc(hms(at)) + '">' +
      '<label for="iEnd">' + esc(t("toClock")) + '</label><input id="iEnd" required value="' + esc(hms(at + 2000)) + '">' +
      '<label for="iText">' + esc(t("uttText")) + '</label><textarea id="iText" rows="3" required></textarea>' +
      '<label for="iReason">' + esc(t("reason")) + '</label><input id="iReason" required>',
      [{ label: t("save"), value: "ok" }, { label: t("cancel"), value: "", cls: "ghost" }]);
    if (v !== "ok") return;
    const back = document.activeElement; // where focus went when the dialog closed
    const start = parseClock($("#iStart").value), end = parseClock($("#iEnd").value);
    if (isNaN(start) || isNaN(end) || end <= start) { say(t("badClock")); return; }
    const r = await api("POST", "/api/hearings/" + encodeURIComponent(H.id) + "/segments",
      { seat: $("#iSeat").value, start_ms: start, end_ms: end, text: $("#iText").value, reason: $("#iReason").value });
    if (r.status === 201) { applySegment(r.data.segment, S.me.name); toast(t("saved")); focusRowFrom(document.getElementById("s-" + r.data.segment.id), back); }
    else report(r, t("insertUtt"));
  }

  // markDialog: the clerk's marks for the US transcript: an examination begins (DIRECT, CROSS,
  // REDIRECT, RECROSS; by which counsel, of which witness) or ends, a witness is sworn, an
  // exhibit is marked, offered or received. Q./A. and the headings come only from these marks.
  // The mark goes before the selected utterance (or after the last one).
  async function markDialog(row) {
    if (!editable()) return;
    const sg = row ? H.segs.get(+row.dataset.id) : null;
    const at = sg ? sg.start_ms : lastMS();
    const seats = H.hearing.seats || [];
    const opt = (list, sel) => list.map((s) => '<option value="' + esc(s.seat) + '"' + (s.seat === sel ? " selected" : "") + ">" + esc(s.role + (s.person ? " · " + s.person : "")) + "</option>").join("");
    const wit = seats.filter((s) => s.witness), counsel = seats.filter((s) => !s.witness);
    const v = await dialog(t("marksBtn") + (sg ? " — " + segName(sg) : ""), '<p class="muted">' + esc(t("marksHelp")) + "</p>" +
      '<label for="mKind">' + esc(t("markKind")) + '</label><select id="mKind"><option value="examination">' + esc(t("m_examination")) + '</option><option value="sworn">' + esc(t("m_sworn")) +
      '</option><option value="exhibit">' + esc(t("m_exhibit")) + "</option></select>" +
      '<label for="mAt">' + esc(t("fromClock")) + '</label><input id="mAt" required value="' + esc(hms(at)) + '">' +
      '<fieldset id="mfExam"><label for="mExam">' + esc(t("m_examType")) + '</label><select id="mExam">' +
      ["direct", "cross", "redirect", "recross", "end"].map((x) => '<option value="' + x + '">' + esc(x === "end" ? t("m_examEnd") : t("x_" + x)) + "</option>").join("") + "</select>" +
      '<label for="mBy">' + esc(t("m_by")) + '</label><select id="mBy">' + opt(counsel.length ? counsel : seats) + "</select></fieldset>" +
      '<fieldset id="mfWitness"><label for="mWitness">' + esc(t("m_witness")) + '</label><select id="mWitness"><option value=""></option>' + opt(wit.length ? wit : seats, wit.length ? wit[0].seat : "") + "</select>" +
      '<div id="mfSworn"><label for="mName">' + esc(t("m_witnessName")) + '</label><input id="mName"></div></fieldset>' +
      '<fieldset id="mfExhibit"><label for="mExhibit">' + esc(t("m_exhibitId")) + '</label><input id="mExhibit" placeholder="Government Exhibit 1">' +
      '<label for="mDesc">' + esc(t("m_exhibitDesc")) + '</label><input id="mDesc">' +
      '<label for="mStatus">' + esc(t("m_exhibitStatus")) + '</label><select id="mStatus"><option value="marked for identification">' + esc(t("m_marked")) +
      '</option><option value="offered">' + esc(t("m_offered")) + '</option><option value="received">' + esc(t("m_received")) + '</option><option value="refused">' + esc(t("m_refusedEx")) + "</option></select></fieldset>",
      [{ label: t("save"), value: "ok" }, { label: t("cancel"), value: "", cls: "ghost" }],
      (d) => {
        const show = () => {
          const k = $("#mKind").value, end = $("#mExam").value === "end";
          $("#mfExam").hidden = k !== "examination";
          $("#mfWitness").hidden = k === "examination" && end;
          $("#mfSworn").hidden = k !== "sworn";
          $("#mfExhibit").hidden = k !== "exhibit";
          $("#mBy").disabled = end;
        };
        $("#mKind").addEventListener("change", show);
        $("#mExam").addEventListener("change", show);
        $("#mWitness").addEventListener("change", () => { const s = seatOf($("#mWitness").value); if (!$("#mName").value && s.person) $("#mName").value = s.person; });
        show();
      });
    if (v !== "ok") { if (row) focusRowFrom(row, row); return; }
    const atMS = parseClock($("#mAt").value);
    if (isNaN(atMS)) { say(t("badClock")); return; }
    const kind = $("#mKind").value, body = { kind, at_ms: atMS };
    if (kind === "examination") {
      body.text = $("#mExam").value;
      if (body.text !== "end") { body.seat = $("#mBy").value; body.witness = $("#mWitness").value; }
    } else if (kind === "sworn") {
      body.witness = $("#mWitness").value;
      body.text = $("#mName").value.trim() || seatOf(body.witness).person || "";
    } else {
      body.witness = $("#mWitness").value;
      const id = $("#mExhibit").value.trim(), desc = $("#mDesc").value.trim();
      body.text = id ? id + (desc ? " (" + desc + ")" : "") + " " + $("#mStatus").value : "";
    }
    const r = await api("POST", "/api/hearings/" + encodeURIComponent(H.id) + "/notes", body);
    if (r.status === 201) { applyNote(r.data); toast(t("saved")); } else report(r, t("marksBtn"));
  }

  // headerDialog: the record's header as the clerk takes it down in court: 公开/不公开 (with
  // the reason), the parties and their agents (who appeared), and the reporter's or recorder's
  // name and credential for the US certificate. 合议庭/独任 follows the bench the admin set.
  async function headerDialog() {
    const h = H.hearing;
    const panel = (h.judges || []).length > 0;
    const rows = [];
    for (const p of h.party_list || []) {
      rows.push({ type: "party", role: p.role, name: p.name, details: p.details || "", present: !!p.present });
      for (const a of p.agents || []) rows.push({ type: "agent", role: a.kind, name: a.name, details: a.details || "", present: !!a.present });
    }
    const v = await dialog(t("headerBtn"), '<fieldset><legend>' + esc(t("h_way")) + "</legend>" +
      '<label class="inline"><input type="radio" name="hPublic" id="hPublic" value="1"' + (h.not_public ? "" : " checked") + "> " + esc(t("h_public")) + "</label> " +
      '<label class="inline"><input type="radio" name="hPublic" id="hNotPublic" value="0"' + (h.not_public ? " checked" : "") + "> " + esc(t("h_notPublic")) + "</label>" +
      '<label for="hReason">' + esc(t("h_notPublicReason")) + '</label><input id="hReason" value="' + esc(h.not_public_reason || "") + '"></fieldset>' +
      '<p id="hOrg">' + esc(t("h_org")) + (lang() === "zh" ? "：" : ": ") + esc(panel ? t("h_panel") : t("h_single")) + ' <span class="muted">' + esc(t("h_orgHelp")) + "</span></p>" +
      '<fieldset><legend>' + esc(t("h_parties")) + '</legend><table id="partyTable"><thead><tr><th>' + esc(t("h_rowType")) + "</th><th>" + esc(t("role")) + "</th><th>" + esc(t("person")) +
      "</th><th>" + esc(t("h_details")) + "</th><th>" + esc(t("h_present")) + '</th><th></th></tr></thead><tbody></tbody></table>' +
      '<button type="button" class="ghost" id="addParty">' + esc(t("h_addParty")) + '</button> <button type="button" class="ghost" id="addAgent">' + esc(t("h_addAgent")) + "</button></fieldset>" +
      '<fieldset><legend>' + esc(t("h_reporter")) + '</legend><label for="hRep">' + esc(t("h_reporterName")) + '</label><input id="hRep" value="' + esc(h.reporter || "") + '">' +
      '<label for="hCred">' + esc(t("h_credential")) + '</label><input id="hCred" placeholder="CSR No. 12345" value="' + esc(h.reporter_credential || "") + '"></fieldset>',
      [{ label: t("save"), value: "ok" }, { label: t("cancel"), value: "", cls: "ghost" }],
      () => {
        const tb = $("#partyTable tbody");
        let n = 0;
        const add = (r) => {
          n++;
          const tr = document.createElement("tr");
          tr.dataset.type = r.type;
          tr.innerHTML = "<td>" + esc(r.type === "party" ? t("h_party") : "↳ " + t("h_agent")) + '</td><td><input class="p-role" aria-label="' + esc(t("role") + " " + n) + '" value="' + esc(r.role) +
            '" placeholder="' + esc(r.type === "party" ? t("h_rolePH") : t("h_kindPH")) + '"></td><td><input class="p-name" aria-label="' + esc(t("person") + " " + n) + '" value="' + esc(r.name) + '"></td>' +
            '<td><input class="p-details" aria-label="' + esc(t("h_details") + " " + n) + '" value="' + esc(r.details) + '"></td><td><input type="checkbox" class="p-present" aria-label="' + esc(t("h_present") + " " + n) + '"' +
            (r.present ? " checked" : "") + '></td><td><button type="button" class="ghost mini p-del">' + esc(t("remove")) + "</button></td>";
          tr.querySelector(".p-del").addEventListener("click", () => tr.remove());
          tb.appendChild(tr);
        };
        rows.forEach(add);
        $("#addParty").addEventListener("click", () => add({ type: "party", role: "", name: "", details: "", present: true }));
        $("#addAgent").addEventListener("click", () => add({ type: "agent", role: "", name: "", details: "", present: true }));
      });
    if (v !== "ok") return;
    const list = [];
    for (const tr of document.querySelectorAll("#partyTable tbody tr")) {
      const x = { name: tr.querySelector(".p-name").value.trim(), details: tr.querySelector(".p-details").value.trim(), present: tr.querySelector(".p-present").checked };
      const role = tr.querySelector(".p-role").value.trim();
      if (!x.name && !role) continue;
      if (tr.dataset.type === "party") list.push(Object.assign({ role, agents: [] }, x));
      else if (!list.length) { say(t("h_agentFirst")); return; }
      else list[list.length - 1].agents.push(Object.assign({ kind: role }, x));
    }
    const notPublic = $("#hNotPublic").checked;
    const body = { not_public: notPublic, not_public_reason: notPublic ? $("#hReason").value.trim() : "", party_list: list,
      reporter: $("#hRep").value.trim(), reporter_credential: $("#hCred").value.trim() };
    const r = await api("PATCH", "/api/hearings/" + encodeURIComponent(H.id), body);
    if (r.status === 200) { H.hearing = Object.assign(H.hearing, r.data); renderHead(); toast(t("saved")); } else report(r, t("headerBtn"));
  }

  async function noteAct(el, act) {
    const n = H.notes.get(+el.dataset.note);
    if (!n || !editable()) return;
    const mark = n.kind === "sworn" || n.kind === "examination" || n.kind === "exhibit";
    const body = act === "edit" ? '<label for="dNoteText">' + esc(t("noteText")) + '</label><input id="dNoteText" required value="' + esc(n.text) + '">' : '<p>' + esc(mark ? markText(n) : n.text) + "</p>";
    const v = await dialog((act === "edit" ? t("editNote") : mark ? t("strikeMark") : t("strikeNote")) + " — " + hms(n.at_ms), body + '<label for="dReason">' + esc(t("reason")) + '</label><input id="dReason" required>',
      [{ label: act === "edit" ? t("save") : t("strike"), value: "ok", cls: act === "edit" ? "" : "danger" }, { label: t("cancel"), value: "", cls: "ghost" }]);
    if (v !== "ok") return;
    const req = { revision: n.revision || 0, reason: $("#dReason").value };
    if (act === "edit") req.text = $("#dNoteText").value;
    const r = await api("POST", "/api/hearings/" + encodeURIComponent(H.id) + "/notes/" + n.id + "/" + act, req);
    if (r.status === 200) { applyNote(r.data); toast(t("saved")); } else report(r, act === "edit" ? t("editNote") : t("strikeNote"));
  }

  function readFile(f) {
    return new Promise((resolve, reject) => {
      const fr = new FileReader();
      fr.onload = () => resolve(String(fr.result).replace(/^data:[^,]*,/, ""));
      fr.onerror = () => reject(fr.error);
      fr.readAsDataURL(f);
    });
  }

  // correct is the 补正 of a finalized or signed record: a new version, with a reason, and
  // the party's written request when there is one.
  async function correct(row) {
    if (!H.can.correct) return;
    const sg = row ? H.segs.get(+row.dataset.id) : null;
    if (!sg) { say(t("pickSegment"), "info"); return; }
    const v = await dialog(t("correctTitle") + " — " + segName(sg), '<p class="muted">' + esc(t("correctHelp")) + "</p>" +
      '<label for="cText">' + esc(t("correctText")) + '</label><textarea id="cText" rows="3" required>' + esc(sg.text) + "</textarea>" +
      '<label for="cReason">' + esc(t("reason")) + '</label><input id="cReason" required>' +
      '<fieldset><legend>' + esc(t("partyRequest")) + '</legend><label for="cParty">' + esc(t("party")) + '</label><input id="cParty">' +
      '<label for="cReq">' + esc(t("requestText")) + '</label><textarea id="cReq" rows="2"></textarea>' +
      '<label for="cFile">' + esc(t("requestFile")) + '</label><input id="cFile" type="file"></fieldset>',
      [{ label: t("correctBtn"), value: "ok" }, { label: t("cancel"), value: "", cls: "ghost" }]);
    if (v !== "ok") return;
    const body = { segment_id: sg.id, text: $("#cText").value, reason: $("#cReason").value };
    const party = $("#cParty").value.trim(), reqText = $("#cReq").value.trim(), f = $("#cFile").files[0];
    if (party || reqText || f) {
      body.request = { party, text: reqText };
      if (f) {
        if (f.size > 700 * 1024) { say(t("e_toolarge")); return; }
        body.request.file_name = f.name;
        body.request.file_base64 = await readFile(f);
      }
    }
    const r = await api("POST", "/api/hearings/" + encodeURIComponent(H.id) + "/correct", body);
    if (r.status === 200) { toast(t("saved")); refreshHearing(); } else report(r, t("correctBtn"));
  }

  let audioEl = null;
  function play(row) {
    const sg = H.segs.get(+row.dataset.id);
    if (!sg) return;
    if (audioEl) audioEl.pause();
    audioEl = new Audio("/api/hearings/" + encodeURIComponent(H.id) + "/audio/" + encodeURIComponent(sg.seat) + "?start=" + (sg.start_ms / 1000) + "&end=" + (sg.end_ms / 1000));
    window.csLastAudio = audioEl.src;
    audioEl.play().catch(() => say(t("e_audio")));
  }

  // ---- search
  function search(q, jump) {
    const list = $("#tx");
    list.querySelectorAll(".seg.hit").forEach((el) => el.classList.remove("hit", "cur"));
    H.hits = [];
    q = q.trim().toLowerCase();
    if (q) {
      for (const it of H.items) {
        const sg = it.kind === "s" && H.segs.get(it.v.id);
        if (sg && (sg.text || "").toLowerCase().includes(q)) {
          const el = elOf(it);
          if (el) { el.classList.add("hit"); H.hits.push(el); }
        }
      }
    }
    $("#hitCount").textContent = q ? H.hits.length + " " + t("matches") : "";
    if (jump && H.hits.length) {
      H.hitIdx = ((H.hitIdx == null ? -1 : H.hitIdx) + 1) % H.hits.length;
      const el = H.hits[H.hitIdx];
      el.classList.add("cur");
      el.scrollIntoView({ block: "center" });
    }
  }

  async function viewHearing(id, gen) {
    const t0 = performance.now();
    const r = await api("GET", "/api/hearings/" + encodeURIComponent(id) + "/segments");
    if (stale(gen)) return;
    if (r.status !== 200) { $("#main").innerHTML = '<p class="err">' + esc((r.data && r.data.error) || t("notFound")) + "</p>"; return; }
    const d = r.data;
    const tFetch = performance.now();
    H = { id, hearing: d.hearing, can: d.can, segs: new Map(), notes: new Map(), items: [], cursor: d.head, follow: true, unseen: 0, editing: null, online: false };
    S.hearingLang = d.hearing.language === "en" ? "en" : "zh";
    chrome();
    for (const sg of d.segments) { H.segs.set(sg.id, sg); H.items.push({ kind: "s", v: sg }); }
    for (const n of d.notes) { if (n.deleted) continue; H.notes.set(n.id, n); H.items.push({ kind: "n", v: n }); }
    H.items.sort(cmp);
    const rows = H.items.map((it) => it.kind === "s" ? segHTML(it.v) : noteHTML(it.v)).join("");
    $("#main").innerHTML = '<div class="hearing"><div class="hearing-head" id="head"></div>' +
      '<section class="transcript" id="tx" tabindex="0" aria-label="' + esc(t("app")) + '" aria-describedby="keyHelp">' + rows + '<button type="button" class="follow" id="followBtn" hidden></button></section>' +
      '<aside class="side"><div class="card"><label for="q">' + esc(t("search")) + '</label><input id="q" type="search" placeholder="' + esc(t("searchHint")) + '"> <span id="hitCount" class="muted" aria-live="polite"></span></div>' +
      '<div class="card" id="health" aria-live="polite"></div><div class="card kbd" id="keyHelp"><strong>' + esc(t("keys")) + "</strong><br>" + esc(t("keyHelp")) + "</div></aside></div>";
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
    pollTimer = setInterval(pollHealth, 2000);
    clearInterval(healthTick);
    healthTick = setInterval(() => { if (H && (!H.healthAt || Date.now() - H.healthAt > HEARTBEAT_MS)) { renderHealth(); renderOnline(); } }, 1000);
    const last = tx.querySelectorAll(".seg");
    if (last.length) last[last.length - 1].focus({ preventScroll: true });
  }

  function onKey(e) {
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

  // ---- boot
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
})();
