// html.js: the one place the UI turns text into markup. html`…${v}…` escapes every value it
// interpolates (text and attribute values alike: & < > " '), so data from the server or the
// user can never become markup. A value that already is markup passes unchanged: the result
// of another html`…` and raw(s), which the code uses only for markup it wrote itself. Arrays
// are joined; null, undefined and false print nothing. render() and fragment() are the only
// code that writes innerHTML (TestNoInnerHTMLOutsideTheHTMLHelper keeps it so); given a plain
// string they show it as text.

const ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

// Markup is a piece of HTML that is safe to insert: only html`…` and raw() make one.
// It has no toString: "a" + markup is a mistake, and shows as [object Object].
class Markup {
  constructor(s) { this.s = s; }
}

// escape returns s as HTML text (also safe inside a quoted attribute value).
function escape(s) {
  return String(s).replace(/[&<>"']/g, (c) => ESC[c]);
}

function part(v) {
  if (v == null || v === false) return "";
  if (v instanceof Markup) return v.s;
  if (Array.isArray(v)) return v.map(part).join("");
  return escape(v);
}

// html is the tag of a template literal: the literal parts are markup, the values are text.
export function html(strings, ...values) {
  let s = strings[0];
  for (let i = 0; i < values.length; i++) s += part(values[i]) + strings[i + 1];
  return new Markup(s);
}

// raw marks a string the code built itself as markup. Never pass it data.
export function raw(s) { return new Markup(s == null ? "" : String(s)); }

// markupString is the HTML text of the markup m (a plain string is escaped).
export function markupString(m) { return part(m); }

// render replaces el's content with the markup m (a plain string is shown as text).
export function render(el, m) { el.innerHTML = part(m); }

// fragment parses the markup m and returns its first node, not yet in the document.
export function fragment(m) {
  const tmp = document.createElement("div");
  tmp.innerHTML = part(m);
  return tmp.firstChild;
}
