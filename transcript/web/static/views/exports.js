// exports.js: the hearing's export links (the record in every format the CLI writes) and, on
// an English hearing, the US transcript's lines per page.
import { html } from "../html.js";
import { t } from "../strings.js";

// Every format `courtscribe transcript export` writes (transcript/export.Formats; a browser
// test holds the two lists equal).
export const EXPORT_FORMATS = ["json", "txt", "pdf", "srt", "vtt"];

// The US transcript layout's numbered lines per page (export.MinLinesPerPage–MaxLinesPerPage):
// 25 is the common rule, some states use 28 or 32. The choice is the browser's, kept across
// hearings like the language.
export const LINES_PER_PAGE = [25, 26, 28, 32];
const LPP_KEY = "cs.lpp";

export function linesPerPage() {
  const n = Number(localStorage.getItem(LPP_KEY));
  return LINES_PER_PAGE.includes(n) ? n : 25;
}

// Formats laid out in pages: they follow the lines-per-page choice.
const PAGED = new Set(["txt", "pdf"]);

function exportHref(h, f) {
  let u = "/api/hearings/" + encodeURIComponent(h.id) + "/export?format=" + f;
  if (h.language === "en" && PAGED.has(f) && linesPerPage() !== 25) u += "&lines_per_page=" + linesPerPage();
  return u;
}

// exportLinks is the head's "Export: JSON · TXT · …" line for hearing h.
export function exportLinks(h) {
  const lpp = h.language === "en"
    ? html` <label class="inline muted" for="lpp">${t("linesPerPage")} <select id="lpp">${LINES_PER_PAGE.map((n) => html`<option value="${n}"${n === linesPerPage() ? html` selected` : ""}>${n}</option>`)}</select></label>`
    : "";
  return html`<span id="exports">${t("export")}: ${EXPORT_FORMATS.map((f, i) => html`${i ? " · " : ""}<a href="${exportHref(h, f)}" download data-format="${f}"${f === "json" ? html` id="exportLink"` : ""}>${f.toUpperCase()}</a>`)}${lpp}</span>`;
}

// onExportsChange follows a new lines-per-page choice in the head's links at once (bound on
// #head's change events by the hearing view).
export function onExportsChange(e, h) {
  if (e.target.id !== "lpp") return;
  localStorage.setItem(LPP_KEY, e.target.value);
  for (const a of document.querySelectorAll("#exports a[data-format]")) a.setAttribute("href", exportHref(h, a.dataset.format));
}
