// live.js: the open hearing's live feed (/api/hearings/ID/live): events in order after the
// cursor, the seats' speaking state (views/speaking.js), reconnects, and the end of the feed
// when the session ends.
import { api, liveSocket, sessionGone } from "./api.js";
import { go } from "./router.js";
import { H, S } from "./state.js";
import { t } from "./strings.js";
import { renderHead, renderOnline } from "./views/head.js";
import { pollHealth } from "./views/health.js";
import { setSpeaking } from "./views/speaking.js";
import { applyNote, applySegment, insertItem } from "./views/transcript.js";

export function applyEvent(m) {
  const a = m.after;
  if (!a) return;
  if (m.kind.startsWith("segment.")) applySegment(a, m.actor);
  else if (m.kind === "note.added") { if (!H.notes.has(a.id)) { H.notes.set(a.id, a); insertItem({ kind: "n", v: a }); } }
  else if (m.kind === "note.edited" || m.kind === "note.deleted") applyNote(a);
  else if (m.kind === "hearing.status" || m.kind === "hearing.updated" || m.kind === "hearing.created") { H.hearing = Object.assign(H.hearing, a); renderHead(); }
  else if (m.kind === "hearing.finalized" || m.kind === "hearing.signed" || m.kind === "hearing.corrected") refreshHearing();
  else if (m.kind === "alarm.acknowledged") pollHealth();
}

export async function refreshHearing() {
  if (!H) return;
  const r = await api("GET", "/api/hearings/" + encodeURIComponent(H.id));
  if (r.status === 200 && H) { H.hearing = r.data; renderHead(); }
}

export function connect() {
  if (!H || H.closed) return;
  const ws = liveSocket(H.id, H.cursor);
  H.ws = ws;
  ws.onopen = () => { H.online = true; renderOnline(); };
  ws.onmessage = (ev) => {
    const f = JSON.parse(ev.data);
    if (f.type === "events") {
      for (const m of f.events) { if (m.id > H.cursor) { H.cursor = m.id; applyEvent(m); } }
      window.csLastEvent = H.cursor;
    } else if (f.type === "caught_up") { H.caughtUp = true; }
    else if (f.type === "speaking") setSpeaking(f.seats); // not an event: the cursor stays
  };
  ws.onclose = (ev) => {
    if (!H || H.closed || H.ws !== ws) return;
    setSpeaking({}); // who was speaking is no longer known; the next feed says it again
    // 1008 (policy violation): the server ended the feed because the session ended (signed
    // out elsewhere, account disabled, password changed, expired). Retrying cannot help.
    if (ev.code === 1008) { sessionEnded(); return; }
    H.online = false; renderOnline();
    H.reconnect = setTimeout(async () => {
      if (!H || H.closed || H.ws !== ws) return;
      // A close that lost its 1008 (a proxy, a dropped link) must not become a reconnect
      // storm either: a session the server no longer knows is the same ending.
      const gone = await sessionGone();
      if (!H || H.closed || H.ws !== ws) return;
      if (gone) { sessionEnded(); return; }
      connect();
    }, 1000);
  };
}

// sessionEnded stops the live feed for good and goes to the sign-in screen with the reason,
// in the language the user was reading.
export function sessionEnded() {
  S.loginNotice = t("sessionEnded");
  if (H) { H.closed = true; clearTimeout(H.reconnect); }
  S.me = null;
  go("#/login");
}

// renderOnline: the live dot is green only while the feed is open and the server answered
// within the health panel's heartbeat. A socket can stay "open" for minutes after the server
// or the network died (no close frame, no RST), so the open socket alone is no proof.
