// views/hearingForm.js: creating and editing a hearing (#/new, #/edit/ID; admin).
import { api } from "../api.js";
import { html, render } from "../html.js";
import { go, stale } from "../router.js";
import { t } from "../strings.js";
import { $, toast } from "../ui.js";

export async function viewHearingForm(id, gen) {
  let h = { id: "", language: "zh", seats: [{ seat: "judge", role: "审判员", person: "" }, { seat: "plaintiff", role: "原告", person: "" }, { seat: "defendant", role: "被告", person: "" }] };
  if (id) {
    const r = await api("GET", "/api/hearings/" + encodeURIComponent(id));
    if (stale(gen)) return;
    if (r.status !== 200) { render($("#main"), html`<p class="err">${t("notFound")}</p>`); return; }
    h = r.data;
  }
  const f = (name, label, val, type) => html`<div><label for="f-${name}">${t(label)}</label><input id="f-${name}" name="${name}" type="${type || "text"}" value="${val || ""}"></div>`;
  const ta = (name, label, val) => html`<div><label for="f-${name}">${t(label)}</label><textarea id="f-${name}" name="${name}" rows="3">${(val || []).join("\n")}</textarea></div>`;
  const sched = h.scheduled_at ? new Date(new Date(h.scheduled_at).getTime() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16) : "";
  const panel = (h.judges || []).length > 0;
  render($("#main"), [
    html`<form id="hf" class="card"><h1>${id ? t("edit") + " " + id : t("newHearing")}</h1><div class="form-grid">`,
    id ? "" : f("id", "hearingId", h.id), f("case_number", "caseNumber", h.case_number), f("cause", "cause", h.cause),
    f("court", "court", h.court), f("courtroom", "courtroom", h.courtroom), f("title", "title", h.title),
    html`<div><label for="f-language">${t("language")}</label><select id="f-language" name="language"><option value="zh"${h.language === "zh" ? html` selected` : ""}>${t("zhLang")}</option>`,
    html`<option value="en"${h.language === "en" ? html` selected` : ""}>${t("enLang")}</option></select></div>`,
    f("scheduled_at", "scheduledAt", sched, "datetime-local"), f("presiding", "presiding", h.presiding),
    html`<div><fieldset id="f-bench"><legend>${t("bench")}</legend><label class="inline"><input type="radio" name="bench" id="f-panel" value="panel"${panel ? html` checked` : ""}> ${t("benchPanel")}</label><br>`,
    html`<label class="inline"><input type="radio" name="bench" id="f-single" value="single"${panel ? "" : html` checked`}> ${t("benchSingle")}</label></fieldset></div>`,
    f("judges", "judges", (h.judges || []).join(", ")), f("clerk", "clerk", h.clerk), ta("parties", "parties", h.parties),
    ta("vocabulary", "vocabulary", h.vocabulary),
    html`</div><h2>${t("seats")}</h2><table id="seatTable"><thead><tr><th>${t("seat")}</th><th>${t("role")}</th><th>${t("person")}</th><th>${t("witness")}</th><th></th></tr></thead><tbody></tbody></table>`,
    html`<p><button type="button" class="ghost" id="addSeat">${t("addSeat")}</button></p><p id="formErr" class="err" role="alert" hidden></p>`,
    html`<div class="toolbar"><button type="submit">${t("save")}</button><a href="#/hearings">${t("cancel")}</a></div></form>`,
  ]);
  const tb = $("#seatTable tbody");
  let n = 0;
  function addSeat(s) {
    n++;
    const tr = document.createElement("tr");
    render(tr, [
      html`<td><input aria-label="${t("seat")} ${n}" class="s-seat" value="${s.seat}" pattern="[a-z0-9][a-z0-9_-]*"></td>`,
      html`<td><input aria-label="${t("role")} ${n}" class="s-role" value="${s.role}"></td>`,
      html`<td><input aria-label="${t("person")} ${n}" class="s-person" value="${s.person || ""}"></td>`,
      html`<td><input type="checkbox" aria-label="${t("witness")} ${n}" class="s-witness"${s.witness ? html` checked` : ""}></td>`,
      html`<td><button type="button" class="ghost s-del">${t("remove")}</button></td>`,
    ]);
    tr.querySelector(".s-del").addEventListener("click", () => tr.remove());
    tb.appendChild(tr);
  }
  (h.seats || []).forEach(addSeat);
  // 合议庭 or 独任: a single judge has no other judges on the bench, and is 审判员, not 审判长
  // (the presiding field's label and the judge seat's role follow the choice).
  const benchShow = () => {
    const single = $("#f-single").checked;
    $("#f-judges").parentElement.hidden = single;
    $("label[for=f-presiding]").textContent = t(single ? "presidingSingle" : "presiding");
  };
  const benchRoles = () => {
    const single = $("#f-single").checked;
    for (const tr of tb.querySelectorAll("tr")) {
      const role = tr.querySelector(".s-role"), seat = tr.querySelector(".s-seat").value.trim();
      if (single && role.value.trim() === "审判长") role.value = "审判员";
      else if (!single && seat === "judge" && role.value.trim() === "审判员") role.value = "审判长";
    }
  };
  for (const el of [$("#f-panel"), $("#f-single")]) el.addEventListener("change", () => { benchShow(); benchRoles(); });
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

