// strings.js: the UI's words and numbers in the reader's language: t() looks up i18n.js, the
// clocks print in the court's time zone, errText says an API refusal in words.
import { CS_I18N } from "./i18n.js";
import { H, S } from "./state.js";

export function lang() { return S.lang || S.hearingLang || (navigator.language || "zh").toLowerCase().startsWith("zh") && "zh" || "en"; }
export function t(k, vars) {
  const d = CS_I18N[lang()] || CS_I18N.zh;
  let s = d[k] != null ? d[k] : k;
  if (vars) for (const v in vars) s = s.replace("{" + v + "}", vars[v]);
  return s;
}
export function hms(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const p = (n) => String(n).padStart(2, "0");
  return p(Math.floor(s / 3600)) + ":" + p(Math.floor(s / 60) % 60) + ":" + p(s % 60);
}
// fmtTime prints a wall-clock time in the court's zone (the hearing's time_zone), not the
// browser's: a record is read in the court's local time wherever it is opened.
export function fmtTime(iso, tz) {
  if (!iso) return "";
  const d = new Date(iso);
  if (isNaN(d)) return "";
  const zone = tz || (H && H.hearing && H.hearing.time_zone) || undefined;
  try { return d.toLocaleString(lang() === "zh" ? "zh-CN" : "en-US", { hour12: false, timeZone: zone }); }
  catch (e) { return d.toLocaleString(lang() === "zh" ? "zh-CN" : "en-US", { hour12: false }); }
}
// errText turns an API answer into a sentence in the clerk's language; the server's own text
// (English, with internal ids) is not shown.
export function errText(r, what) {
  const code = r.data && r.data.code;
  const k = { conflict: "e_conflict", state: "e_state", invalid: "e_invalid", bad_json: "e_invalid", forbidden: "e_forbidden",
    bad_password: "e_password", rate_limited: "e_rate", not_found: "e_notfound", too_large: "e_toolarge", storage: "e_storage" }[code];
  const base = r.status === 0 ? t("e_network") : k ? t(k) : t("e_server");
  return (what ? what + "：" : "") + base;
}
export function wallClock(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (isNaN(d)) return "";
  try { return d.toLocaleTimeString(lang() === "zh" ? "zh-CN" : "en-US", { hour12: false, timeZone: H && H.hearing.time_zone || undefined }); }
  catch (e) { return d.toLocaleTimeString(); }
}
