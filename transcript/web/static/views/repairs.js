// views/repairs.js: the clerk's repairs of the record: relabel, notes, history, confirm,
// strike, insert, court marks, the record header and corrections (补正).
import { api } from "../api.js";
import { html, render } from "../html.js";
import { refreshHearing } from "../live.js";
import { editable, H, lastMS, S, seatOf } from "../state.js";
import { fmtTime, hms, lang, t } from "../strings.js";
import { $, report, say, toast } from "../ui.js";
import { dialog } from "./dialog.js";
import { focusRowFrom, rowAt } from "./editing.js";
import { renderHead } from "./head.js";
import { applyNote, applySegment, markText, segName } from "./transcript.js";

export async function relabel(row) {
  const sg = H.segs.get(+row.dataset.id);
  if (!sg) return;
  const opts = (H.hearing.seats || []).map((s) => html`<option value="${s.seat}"${s.seat === sg.seat ? html` selected` : ""}>${s.role + (s.person ? " · " + s.person : "") + " (" + s.seat + ")"}</option>`);
  const v = await dialog(t("relabel") + " — " + segName(sg), html`<p class="muted" id="relabelWhat">${segName(sg)}</p><label for="dSeat">${t("seat")}</label><select id="dSeat">${opts}</select>`,
    [{ label: t("save"), value: "ok" }, { label: t("cancel"), value: "", cls: "ghost" }]);
  if (v !== "ok") { focusRowFrom(row, row); return; }
  const seat = $("#dSeat").value;
  if (seat === sg.seat) { focusRowFrom(row, row); return; }
  const r = await api("POST", "/api/segments/" + sg.id + "/relabel", { revision: sg.revision, seat });
  if (r.status === 200) { applySegment(r.data.segment, S.me.name); toast(t("saved")); } else report(r, t("relabel"));
  focusRowFrom(document.getElementById("s-" + sg.id), row);
}

export async function addNote(row) {
  const sg = row ? H.segs.get(+row.dataset.id) : null;
  const v = await dialog(t("note"), html`<label for="dNote">${t("noteText")}</label><input id="dNote" required>`,
    [{ label: t("save"), value: "ok" }, { label: t("cancel"), value: "", cls: "ghost" }]);
  if (v !== "ok") return;
  const r = await api("POST", "/api/hearings/" + encodeURIComponent(H.id) + "/notes", { at_ms: sg ? sg.end_ms : lastMS(), segment_id: sg ? sg.id : 0, text: $("#dNote").value });
  report(r, t("note"));
  if (row) focusRowFrom(row, row);
}

export async function history(row) {
  const r = await api("GET", "/api/segments/" + row.dataset.id + "/history");
  if (r.status !== 200) return report(r);
  const rows = r.data.map((e) => {
    const kind = t("k_" + e.kind) !== "k_" + e.kind ? t("k_" + e.kind) : t("k_other");
    const after = e.after ? (e.after.text || "") + (e.after.seat && e.before && e.after.seat !== e.before.seat ? " [" + e.before.seat + "→" + e.after.seat + "]" : "") : "";
    return html`<tr><td>${fmtTime(e.at)}</td><td>${actorName(e.actor)}</td><td>${kind}${histReason(e)}</td><td>${e.before ? e.before.text : ""}</td><td>${after}</td></tr>`;
  });
  const hsg = H.segs.get(+row.dataset.id);
  await dialog(t("history") + " — " + (hsg ? segName(hsg) : ""),
    html`<table class="hist" id="histTable"><thead><tr><th>${t("at")}</th><th>${t("actor")}</th><th>${t("change")}</th><th>${t("before")}</th><th>${t("after")}</th></tr></thead><tbody>${rows}</tbody></table>`, [{ label: "OK", value: "ok" }]);
  focusRowFrom(row, row);
}

// actorName names who made a change in words: people by name, the machine by what it is.
export function actorName(a) {
  if (a === "diarizer") return t("a_diarizer");
  if (a === "system") return t("a_system");
  if (a.startsWith("engine:")) return t("a_engine");
  return a;
}

// histReason: the clerk's own reasons are shown as written; the store's technical notes
// (which name internal ids) are said in words.
export function histReason(e) {
  if (!e.reason) return "";
  if (/^merged (with|into) segment \d+$/.test(e.reason)) return " (" + t("r_merged") + ")";
  if (/^split from segment \d+$/.test(e.reason)) return " (" + t("r_split") + ")";
  if (e.actor.startsWith("engine:") || e.actor === "diarizer" || e.actor === "system") return "";
  return " (" + e.reason + ")";
}

export async function confirmSeg(row) {
  const sg = H.segs.get(+row.dataset.id);
  if (!sg || sg.edited || !editable()) return;
  if (!(sg.text || "").trim()) { say(t("confirmEmpty"), "info"); return; }
  const r = await api("POST", "/api/segments/" + sg.id + "/edit", { revision: sg.revision, text: sg.text });
  if (r.status === 200) { applySegment(r.data.segment, S.me.name); toast(t("confirmed")); focusRowFrom(document.getElementById("s-" + sg.id), row); }
  else report(r, t("confirmSeg"));
}

export async function strike(row) {
  const sg = H.segs.get(+row.dataset.id);
  if (!sg || !editable()) return;
  const v = await dialog(t("strikeTitle") + " — " + segName(sg), html`<p class="muted">${t("strikeHelp")}</p><label for="dReason">${t("reason")}</label><input id="dReason" required>`,
    [{ label: t("strike"), value: "ok", cls: "danger" }, { label: t("cancel"), value: "", cls: "ghost" }]);
  if (v !== "ok") { focusRowFrom(row, row); return; }
  const next = rowAt(row, 1) || rowAt(row, -1);
  const r = await api("POST", "/api/segments/" + sg.id + "/delete", { revision: sg.revision, reason: $("#dReason").value });
  if (r.status === 200) { applySegment(r.data.segment, S.me.name); toast(t("saved")); focusRowFrom(next, row.isConnected ? row : null); }
  else report(r, t("strike"));
}

export function parseClock(s) {
  const m = String(s).trim().match(/^(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:\.(\d{1,3}))?$/);
  if (!m) return NaN;
  return ((+(m[1] || 0)) * 3600 + (+m[2]) * 60 + (+m[3])) * 1000 + (m[4] ? +m[4].padEnd(3, "0") : 0);
}

export async function insertUtterance(row) {
  if (!editable()) return;
  const sg = row ? H.segs.get(+row.dataset.id) : null;
  const at = sg ? sg.end_ms : lastMS();
  const opts = (H.hearing.seats || []).map((s) => html`<option value="${s.seat}">${s.role + (s.person ? " · " + s.person : "")}</option>`);
  const v = await dialog(t("insertUtt"), html`${[
      html`<p class="muted">${t("insertHelp")}</p>`,
      html`<label for="iSeat">${t("speaker")}</label><select id="iSeat">${opts}</select>`,
      html`<label for="iStart">${t("fromClock")}</label><input id="iStart" required value="${hms(at)}">`,
      html`<label for="iEnd">${t("toClock")}</label><input id="iEnd" required value="${hms(at + 2000)}">`,
      html`<label for="iText">${t("uttText")}</label><textarea id="iText" rows="3" required></textarea>`,
      html`<label for="iReason">${t("reason")}</label><input id="iReason" required>`,
    ]}`,
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
export async function markDialog(row) {
  if (!editable()) return;
  const sg = row ? H.segs.get(+row.dataset.id) : null;
  const at = sg ? sg.start_ms : lastMS();
  const seats = H.hearing.seats || [];
  const opt = (list, sel) => list.map((s) => html`<option value="${s.seat}"${s.seat === sel ? html` selected` : ""}>${s.role + (s.person ? " · " + s.person : "")}</option>`);
  const wit = seats.filter((s) => s.witness), counsel = seats.filter((s) => !s.witness);
  const examOpts = ["direct", "cross", "redirect", "recross", "end"].map((x) => html`<option value="${x}">${x === "end" ? t("m_examEnd") : t("x_" + x)}</option>`);
  const v = await dialog(t("marksBtn") + (sg ? " — " + segName(sg) : ""), html`${[
      html`<p class="muted">${t("marksHelp")}</p>`,
      html`<label for="mKind">${t("markKind")}</label><select id="mKind"><option value="examination">${t("m_examination")}</option><option value="sworn">${t("m_sworn")}</option><option value="exhibit">${t("m_exhibit")}</option></select>`,
      html`<label for="mAt">${t("fromClock")}</label><input id="mAt" required value="${hms(at)}">`,
      html`<fieldset id="mfExam">`,
      html`<label for="mExam">${t("m_examType")}</label><select id="mExam">${examOpts}</select>`,
      html`<label for="mBy">${t("m_by")}</label><select id="mBy">${opt(counsel.length ? counsel : seats)}</select></fieldset>`,
      html`<fieldset id="mfWitness">`,
      html`<label for="mWitness">${t("m_witness")}</label><select id="mWitness"><option value=""></option>${opt(wit.length ? wit : seats, wit.length ? wit[0].seat : "")}</select>`,
      html`<div id="mfSworn">`,
      html`<label for="mName">${t("m_witnessName")}</label><input id="mName"></div></fieldset>`,
      html`<fieldset id="mfExhibit">`,
      html`<label for="mExhibit">${t("m_exhibitId")}</label><input id="mExhibit" placeholder="Government Exhibit 1">`,
      html`<label for="mDesc">${t("m_exhibitDesc")}</label><input id="mDesc">`,
      html`<label for="mStatus">${t("m_exhibitStatus")}</label><select id="mStatus"><option value="marked for identification">${t("m_marked")}</option><option value="offered">${t("m_offered")}</option><option value="received">${t("m_received")}</option><option value="refused">${t("m_refusedEx")}</option></select></fieldset>`,
    ]}`,
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
export async function headerDialog() {
  const h = H.hearing;
  const panel = (h.judges || []).length > 0;
  const rows = [];
  for (const p of h.party_list || []) {
    rows.push({ type: "party", role: p.role, name: p.name, details: p.details || "", present: !!p.present });
    for (const a of p.agents || []) rows.push({ type: "agent", role: a.kind, name: a.name, details: a.details || "", present: !!a.present });
  }
  const v = await dialog(t("headerBtn"), html`${[
      html`<fieldset><legend>${t("h_way")}</legend><label class="inline"><input type="radio" name="hPublic" id="hPublic" value="1"${h.not_public ? "" : html` checked`}> ${t("h_public")}</label> `,
      html`<label class="inline"><input type="radio" name="hPublic" id="hNotPublic" value="0"${h.not_public ? html` checked` : ""}> ${t("h_notPublic")}</label>`,
      html`<label for="hReason">${t("h_notPublicReason")}</label><input id="hReason" value="${h.not_public_reason || ""}"></fieldset>`,
      html`<p id="hOrg">${t("h_org")}${lang() === "zh" ? "：" : ": "}${panel ? t("h_panel") : t("h_single")} <span class="muted">${t("h_orgHelp")}</span></p>`,
      html`<fieldset><legend>${t("h_parties")}</legend><table id="partyTable"><thead><tr><th>${t("h_rowType")}</th><th>${t("role")}</th><th>${t("person")}</th><th>${t("h_details")}</th><th>${t("h_present")}</th><th></th></tr></thead><tbody></tbody></table>`,
      html`<button type="button" class="ghost" id="addParty">${t("h_addParty")}</button> <button type="button" class="ghost" id="addAgent">${t("h_addAgent")}</button></fieldset>`,
      html`<fieldset><legend>${t("h_reporter")}</legend>`,
      html`<label for="hRep">${t("h_reporterName")}</label><input id="hRep" value="${h.reporter || ""}">`,
      html`<label for="hCred">${t("h_credential")}</label><input id="hCred" placeholder="CSR No. 12345" value="${h.reporter_credential || ""}"></fieldset>`,
    ]}`,
    [{ label: t("save"), value: "ok" }, { label: t("cancel"), value: "", cls: "ghost" }],
    () => {
      const tb = $("#partyTable tbody");
      let n = 0;
      const add = (r) => {
        n++;
        const tr = document.createElement("tr");
        tr.dataset.type = r.type;
        render(tr, [
          html`<td>${r.type === "party" ? t("h_party") : "↳ " + t("h_agent")}</td><td><input class="p-role" aria-label="${t("role") + " " + n}" value="${r.role}" placeholder="${r.type === "party" ? t("h_rolePH") : t("h_kindPH")}"></td>`,
          html`<td><input class="p-name" aria-label="${t("person") + " " + n}" value="${r.name}"></td><td><input class="p-details" aria-label="${t("h_details") + " " + n}" value="${r.details}"></td>`,
          html`<td><input type="checkbox" class="p-present" aria-label="${t("h_present") + " " + n}"${r.present ? html` checked` : ""}></td><td><button type="button" class="ghost mini p-del">${t("remove")}</button></td>`,
        ]);
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

export async function noteAct(el, act) {
  const n = H.notes.get(+el.dataset.note);
  if (!n || !editable()) return;
  const mark = n.kind === "sworn" || n.kind === "examination" || n.kind === "exhibit";
  const body = act === "edit" ? html`<label for="dNoteText">${t("noteText")}</label><input id="dNoteText" required value="${n.text}">` : html`<p>${mark ? markText(n) : n.text}</p>`;
  const v = await dialog((act === "edit" ? t("editNote") : mark ? t("strikeMark") : t("strikeNote")) + " — " + hms(n.at_ms), html`${body}<label for="dReason">${t("reason")}</label><input id="dReason" required>`,
    [{ label: act === "edit" ? t("save") : t("strike"), value: "ok", cls: act === "edit" ? "" : "danger" }, { label: t("cancel"), value: "", cls: "ghost" }]);
  if (v !== "ok") return;
  const req = { revision: n.revision || 0, reason: $("#dReason").value };
  if (act === "edit") req.text = $("#dNoteText").value;
  const r = await api("POST", "/api/hearings/" + encodeURIComponent(H.id) + "/notes/" + n.id + "/" + act, req);
  if (r.status === 200) { applyNote(r.data); toast(t("saved")); } else report(r, act === "edit" ? t("editNote") : t("strikeNote"));
}

export function readFile(f) {
  return new Promise((resolve, reject) => {
    const fr = new FileReader();
    fr.onload = () => resolve(String(fr.result).replace(/^data:[^,]*,/, ""));
    fr.onerror = () => reject(fr.error);
    fr.readAsDataURL(f);
  });
}

// correct is the 补正 of a finalized or signed record: a new version, with a reason, and
// the party's written request when there is one.
export async function correct(row) {
  if (!H.can.correct) return;
  const sg = row ? H.segs.get(+row.dataset.id) : null;
  if (!sg) { say(t("pickSegment"), "info"); return; }
  const v = await dialog(t("correctTitle") + " — " + segName(sg), html`${[
      html`<p class="muted">${t("correctHelp")}</p>`,
      html`<label for="cText">${t("correctText")}</label><textarea id="cText" rows="3" required>${sg.text}</textarea>`,
      html`<label for="cReason">${t("reason")}</label><input id="cReason" required>`,
      html`<fieldset><legend>${t("partyRequest")}</legend>`,
      html`<label for="cParty">${t("party")}</label><input id="cParty">`,
      html`<label for="cReq">${t("requestText")}</label><textarea id="cReq" rows="2"></textarea>`,
      html`<label for="cFile">${t("requestFile")}</label><input id="cFile" type="file"></fieldset>`,
    ]}`,
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

