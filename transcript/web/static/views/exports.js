// exports.js: the hearing's export links (the record in every format the CLI writes).
import { html } from "../html.js";
import { t } from "../strings.js";

// Every format `courtscribe transcript export` writes (transcript/export.Formats; a browser
// test holds the two lists equal).
export const EXPORT_FORMATS = ["json", "txt", "pdf", "srt", "vtt"];

// exportLinks is the head's "Export: JSON · TXT · …" line for hearing h.
export function exportLinks(h) {
  const ex = "/api/hearings/" + encodeURIComponent(h.id) + "/export?format=";
  return html`<span id="exports">${t("export")}: ${EXPORT_FORMATS.map((f, i) => html`${i ? " · " : ""}<a href="${ex + f}" download data-format="${f}"${f === "json" ? html` id="exportLink"` : ""}>${f.toUpperCase()}</a>`)}</span>`;
}
