// api.js: the client of the JSON API.
import { go } from "./router.js";
import { S } from "./state.js";

// api sends a request to the API. Every call sends the session cookie and, on unsafe
// methods, the CSRF header; it never throws: a network failure is { status: 0 }. A 401 (the
// session ended) sends the page to the sign-in screen.
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
  // A late 401 (a request of the page just left) while the sign-in form is up must not draw
  // it again: that would wipe what the user is typing.
  if (res.status === 401 && path !== "/api/login") { S.me = null; if (location.hash !== "#/login") go("#/login"); }
  return { status: res.status, data };
}
