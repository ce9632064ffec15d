// views/transcript.js: the transcript list: segment and note rows in time order, applying a
// changed segment or note, following the live end, search.
import { fragment, html, render } from "../html.js";
import { editable, findPos, H, seatOf } from "../state.js";
import { hms, lang, t, wallClock } from "../strings.js";
import { $ } from "../ui.js";
import { showRemoteChange } from "./editing.js";

export function segName(sg) {
  const seat = seatOf(sg.seat);
  const txt = Array.from(sg.text || "").slice(0, 24).join("") + ((sg.text || "").length > 24 ? "…" : "");
  return hms(sg.start_ms) + " " + (seat.role || seat.seat) + (seat.person ? "（" + seat.person + "）" : "") + (txt ? "「" + txt + "」" : "");
}

export function statusWord(sg) {
  let s = sg.edited ? "✔ " + t("verified_seg") : t(sg.status);
  if (sg.overlap) s += " · ⇄ " + t("overlap");
  return s;
}

export function segInner(sg) {
  const seat = seatOf(sg.seat);
  const text = sg.status === "pending" && !sg.text ? "" : sg.text;
  return html`<div class="t"><button type="button" tabindex="-1" data-act="play" aria-label="${t("play") + " " + hms(sg.start_ms)}">▶</button>${hms(sg.start_ms)}</div><div class="who">${seat.role || seat.seat}<small>${seat.person || seat.seat}</small></div><div class="tx">${text}<span class="st">［${statusWord(sg)}］</span></div>`;
}

// A text a person typed or confirmed is verified: it no longer looks like it waits for the engine.
export function segClass(sg) { return "seg " + (sg.edited ? "verified" : sg.status); }

export function segHTML(sg) {
  return html`<article class="${segClass(sg)}" id="s-${sg.id}" data-id="${sg.id}" data-rev="${sg.revision}" tabindex="-1">${segInner(sg)}</article>`;
}

export function noteHTML(n) {
  if (n.kind === "sworn" || n.kind === "examination" || n.kind === "exhibit") return markHTML(n);
  const label = { recess: t("recessNote"), resume: t("resumeNote"), gap: t("gapNote"), annotation: t("annotation") }[n.kind] || n.kind;
  const acts = n.kind === "annotation" && H && H.can.edit && editable() ? html` <button type="button" class="ghost mini" data-nact="edit" aria-label="${t("editNote")}">✎</button><button type="button" class="ghost mini" data-nact="delete" aria-label="${t("strikeNote")}">✖</button>` : "";
  return html`<div class="note k-${n.kind}" id="n-${n.id}" data-note="${n.id}"><span class="nt">${hms(n.at_ms)}</span> <span class="wall" title="${t("wallClock")}">（${wallClock(n.created_at)}）</span> ${label}：${n.text}${acts}</div>`;
}
// markHTML shows a clerk's mark for the US layout (sworn witness, examination, exhibit) in
// the words the transcript will print.
export function markHTML(n) {
  const acts = H && H.can.edit && editable() ? html` <button type="button" class="ghost mini" data-nact="delete" aria-label="${t("strikeMark")}">✖</button>` : "";
  return html`<div class="note mark k-${n.kind}" id="n-${n.id}" data-note="${n.id}"><span class="nt">${hms(n.at_ms)}</span> <span class="wall" title="${t("wallClock")}">（${wallClock(n.created_at)}）</span> ${markText(n)}${acts}</div>`;
}
export function markText(n) {
  const zh = lang() === "zh", colon = zh ? "：" : ": ";
  const who = (seat) => { const s = seatOf(seat); return (s.role || s.seat) + (s.person ? (zh ? "（" + s.person + "）" : " (" + s.person + ")") : ""); };
  let text;
  if (n.kind === "sworn") text = t("m_sworn") + colon + (n.text || who(n.witness));
  else if (n.kind === "exhibit") text = t("m_exhibit") + colon + n.text;
  else if (n.text === "end") text = t("m_examEnd");
  else text = t("x_" + n.text) + " · " + t("m_by") + " " + who(n.seat) + " · " + t("m_witness") + " " + who(n.witness);
  return text;
}
export function elOf(it) { return document.getElementById((it.kind === "s" ? "s-" : "n-") + it.v.id); }

export function insertItem(it) {
  const pos = findPos(it);
  H.items.splice(pos, 0, it);
  const el = fragment(it.kind === "s" ? segHTML(it.v) : noteHTML(it.v));
  const next = H.items[pos + 1];
  const list = $("#tx");
  if (next) list.insertBefore(el, elOf(next)); else list.insertBefore(el, $("#followBtn"));
  return pos === H.items.length - 1;
}

export function removeItem(kind, id) {
  const i = H.items.findIndex((x) => x.kind === kind && x.v.id === id);
  if (i >= 0) { const el = elOf(H.items[i]); if (el) el.remove(); H.items.splice(i, 1); }
}

export function nearBottom() { const l = $("#tx"); return l.scrollTop + l.clientHeight >= l.scrollHeight - 60; }

export function applySegment(sg, actor) {
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
    render(el, segInner(sg));
    return;
  }
  const follow = H.follow && !H.editing && nearBottom();
  if (el) removeItem("s", sg.id);
  const atEnd = insertItem({ kind: "s", v: sg });
  if (atEnd && !old) {
    if (follow) scrollToEnd(); else { H.unseen++; showFollow(); }
  }
}

export function scrollToEnd() { const l = $("#tx"); l.scrollTop = l.scrollHeight; }
export function showFollow() {
  const b = $("#followBtn");
  b.hidden = H.unseen === 0;
  b.textContent = "↓ " + H.unseen + " " + t("newSegments");
}

export function applyNote(a) {
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

export function search(q, jump) {
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

