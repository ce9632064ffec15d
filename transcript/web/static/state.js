// state.js: the page's state, in one place. S is the session (who is signed in, the CSRF
// token, the language chosen and the open hearing's language); H is the open hearing screen's
// state (null on every other screen; other modules read it as a live binding and change it
// only through setHearing); timers are the page's polling intervals, cleared on every route.

export const S = { me: null, csrf: "", lang: localStorage.getItem("cs.lang") || "", hearingLang: "" };

// H: the open hearing screen's state.
export let H = null;
export function setHearing(h) { H = h; }

export const timers = { poll: 0, health: 0 };
