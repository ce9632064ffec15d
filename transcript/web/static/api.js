// api.js: the client of the server, and the only module that talks to it: the JSON API (api),
// a document the API serves as text (apiText), the session check of a lost live feed
// (sessionGone) and the live feed's socket (liveSocket). It knows no screen: what a 401 does
// is set by the page (onSignedOut).
import { S } from "./state.js";

// signedOut runs when a request finds the session ended (app.js sends the page to sign-in).
let signedOut = () => {};
export function onSignedOut(fn) { signedOut = fn; }

// api sends a request to the API. Every call sends the session cookie and, on unsafe
// methods, the CSRF header; it never throws: a network failure is { status: 0 }. A 401 (the
// session ended) calls the onSignedOut handler.
export async function api(method, path, body) {
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
  if (res.status === 401 && path !== "/api/login") { S.me = null; signedOut(); }
  return { status: res.status, data };
}

// apiText GETs path and returns its body as text: "" when the request fails or is refused.
export async function apiText(path) {
  try {
    const res = await fetch(path, { credentials: "same-origin" });
    return res.ok ? await res.text() : "";
  } catch (e) { return ""; }
}

// sessionGone asks whether the server no longer knows this session (a 401). A network failure
// is not an answer: it says false.
export async function sessionGone() {
  try { return (await fetch("/api/session", { credentials: "same-origin" })).status === 401; } catch (e) { return false; }
}

// liveSocket opens the live feed of hearing id, from the event after cursor on.
export function liveSocket(id, after) {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  return new WebSocket(proto + "//" + location.host + "/api/hearings/" + encodeURIComponent(id) + "/live?after=" + after);
}
