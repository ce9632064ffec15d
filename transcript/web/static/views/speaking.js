// views/speaking.js: who may be speaking or is speaking now, seat by seat, in the hearing's
// head. The live feed's "speaking" frames (transcript/live) carry the whole map of the seats
// that are on; a seat off is absent. A hollow, dim dot: the seat may have begun speaking (sound,
// not yet confirmed as a voice); a filled dot: it is speaking; nothing: it is not. Nothing here
// is in the record: a tentative start that was a door or a chair just goes away.
import { html, render } from "../html.js";
import { H, seatOf } from "../state.js";
import { t } from "../strings.js";
import { $ } from "../ui.js";

const STATE_WORD = { tentative: "spkTentative", speaking: "spkSpeaking" };

// setSpeaking takes a frame's seats (or {} when the feed dropped: what it said is no longer live).
export function setSpeaking(seats) {
  if (!H) return;
  H.speaking = seats && typeof seats === "object" ? seats : {};
  renderSpeaking();
}

// renderSpeaking draws the seats that are on, in the order of the hearing's seat map.
export function renderSpeaking() {
  const el = $("#speaking");
  if (!el || !H) return;
  const on = H.speaking || {};
  const order = (H.hearing.seats || []).map((s) => s.seat);
  for (const s of Object.keys(on)) if (!order.includes(s)) order.push(s);
  render(el, order.filter((s) => STATE_WORD[on[s]]).map((s) => {
    const seat = seatOf(s), name = seat.role || seat.seat;
    const say = t("spkSeat", { seat: name, state: t(STATE_WORD[on[s]]) });
    return html`<span class="spk ${on[s]}" data-seat="${s}" data-state="${on[s]}" role="img" aria-label="${say}" title="${say}">${name}</span>`;
  }));
}
