// views/sign.js: the two dialogs of a finalized record: the judge's (or the clerk's)
// signature and a party's review.
import { api, apiText } from "../api.js";
import { html } from "../html.js";
import { refreshHearing } from "../live.js";
import { H } from "../state.js";
import { t } from "../strings.js";
import { $, report, say } from "../ui.js";
import { dialog } from "./dialog.js";
import { renderSigned } from "./head.js";

// signDialog shows the judge (or the clerk) what they sign: the formatted document, the case,
// the version and its hash; the password unlocks the signing key.
export async function signDialog() {
  const id = encodeURIComponent(H.id), h = H.hearing;
  const vr = await api("GET", "/api/hearings/" + id + "/versions");
  const ver = vr.status === 200 && vr.data.length ? vr.data[vr.data.length - 1] : null;
  if (!ver) { say(t("e_state")); return; }
  const preview = await apiText("/api/hearings/" + id + "/export?format=txt&version=" + ver.number);
  if (!preview) { say(t("e_network")); return; }
  const v = await dialog(t("signTitle") + " — " + (h.case_number || h.id) + " · " + t("version") + " " + ver.number,
    html`${[
      html`<dl class="signwhat" id="signWhat"><dt>${t("caseNumber")}</dt><dd>${h.case_number}</dd><dt>${t("title")}</dt><dd>${h.title}</dd>`,
      html`<dt>${t("version")}</dt><dd id="signVersion">${ver.number}</dd><dt>${t("versionHash")}</dt><dd><code id="signHash">${ver.hash}</code></dd></dl>`,
      html`<p class="muted">${t("previewHelp")} <a href="/api/hearings/${id}/export?format=pdf&version=${ver.number}" target="_blank" rel="noopener">PDF</a></p>`,
      html`<pre class="preview" id="preview" tabindex="0">${preview}</pre>`,
      html`<label for="dPass">${t("signPassword")}</label><input id="dPass" type="password" autocomplete="current-password" required>`,
    ]}`,
    [{ label: t("signConfirm"), value: "ok" }, { label: t("cancel"), value: "", cls: "ghost" }]);
  if (v !== "ok") return;
  const r = await api("POST", "/api/hearings/" + id + "/sign", { password: $("#dPass").value });
  report(r, t("sign"));
  if (r.status === 200) { refreshHearing(); renderSigned(); }
}

export async function reviewDialog() {
  const v = await dialog(t("reviewTitle"), html`${[
    html`<p class="muted">${t("reviewHelp")}</p><label for="rvParty">${t("party")}</label><input id="rvParty" required>`,
    html`<label for="rvOutcome">${t("reviewOutcome")}</label><select id="rvOutcome"><option value="confirmed">${t("confirmedRead")}</option><option value="refused">${t("refused")}</option></select>`,
    html`<label for="rvReason">${t("reviewReason")}</label><input id="rvReason">`,
  ]}`,
    [{ label: t("save"), value: "ok" }, { label: t("cancel"), value: "", cls: "ghost" }]);
  if (v !== "ok") return;
  const r = await api("POST", "/api/hearings/" + encodeURIComponent(H.id) + "/review", { party: $("#rvParty").value, outcome: $("#rvOutcome").value, reason: $("#rvReason").value });
  report(r, t("reviewTitle"));
  if (r.status === 200) renderSigned();
}

