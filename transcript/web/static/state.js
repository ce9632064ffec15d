// state.js: the page's state, in one place. S is the session (who is signed in, the CSRF
// token, the language chosen and the open hearing's language); H is the open hearing screen's
// state (null on every other screen; other modules read it as a live binding and change it
// only through setHearing); timers are the page's polling intervals, cleared on every route.
// Below them, the questions the views ask of the open hearing (a seat, whether it can still
// change, the order of its items, where its audio ends); they touch no DOM.

export const S = { me: null, csrf: "", lang: localStorage.getItem("cs.lang") || "", hearingLang: "" };

// H: the open hearing screen's state.
export let H = null;
export function setHearing(h) { H = h; }

export const timers = { poll: 0, health: 0 };

// The open hearing's queries: what the views ask of H, without the DOM.

// seatOf is the seat named name, or a seat that only has the name.
export function seatOf(name) {
  const s = (H.hearing.seats || []).find((x) => x.seat === name);
  return s || { seat: name, role: name, person: "" };
}

// editable: the open hearing's transcript can still change (it is not finalized or signed).
export function editable() { const st = H && H.hearing.status; return st === "scheduled" || st === "live" || st === "recess" || st === "closed"; }

// Items (segments and notes) are kept sorted by time; key orders notes before segments at
// the same time and then by id.
export function keyOf(it) { return it.kind === "s" ? [it.v.start_ms, 1, it.v.id] : [it.v.at_ms, 0, it.v.id]; }
export function cmp(a, b) { const x = keyOf(a), y = keyOf(b); return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; }
// findPos is where the item it belongs in H.items.
export function findPos(it) {
  let lo = 0, hi = H.items.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (cmp(H.items[mid], it) < 0) lo = mid + 1; else hi = mid; }
  return lo;
}

// lastMS is where the open hearing's audio ends: the latest end of any segment.
export function lastMS() {
  let ms = 0;
  for (const sg of H.segs.values()) ms = Math.max(ms, sg.end_ms);
  return ms;
}
