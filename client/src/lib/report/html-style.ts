/**
 * The printable report's stylesheet: inline in the document (its CSP allows nothing else),
 * a sheet of paper on screen, and on paper a clean A4/Letter layout whose log table repeats
 * its header on every page and never splits a row.
 */
export const REPORT_CSS = `
:root { color-scheme: light; --ink: #1b2333; --muted: #5b6475; --line: #dfe3ec; --faint: #eef0f5; --soft: #f4f6fb;
  --brand: #2f5bea; --ok: #137a46; --warn: #9a5b00; --bad: #b42318; --customer: #0b6b69; }
* { box-sizing: border-box; }
html { background: #e9ecf2; }
body { margin: 0; color: var(--ink); font: 14px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Helvetica Neue', Arial, sans-serif,
  'Apple Color Emoji', 'Segoe UI Emoji', 'Noto Color Emoji'; }
.sheet { max-width: 880px; margin: 32px auto; padding: 44px 56px 36px; background: #fff; border-radius: 4px;
  box-shadow: 0 1px 3px rgb(16 24 40 / 12%), 0 8px 24px rgb(16 24 40 / 6%); }
.masthead { display: flex; justify-content: space-between; align-items: flex-end; gap: 24px;
  padding-bottom: 14px; border-bottom: 3px solid var(--brand); }
.brand { display: flex; align-items: center; gap: 8px; color: var(--brand); font-weight: 700; letter-spacing: 0.02em; }
.mark { display: inline-flex; align-items: center; justify-content: center; width: 22px; height: 22px; border-radius: 6px;
  background: var(--brand); color: #fff; font-size: 13px; }
h1 { margin: 6px 0 0; font-size: 23px; line-height: 1.25; }
.copy { margin: 0; color: var(--muted); font-size: 12px; text-align: right; }
.copy strong { display: block; color: var(--ink); font-size: 13px; }
h2 { margin: 30px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); color: var(--muted);
  font-size: 12px; font-weight: 700; letter-spacing: 0.08em; text-transform: uppercase; }
.fields { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 12px 36px; margin: 0; }
.fields > div { min-width: 0; }
dt { color: var(--muted); font-size: 11.5px; letter-spacing: 0.04em; text-transform: uppercase; }
dd { margin: 2px 0 0; font-weight: 560; overflow-wrap: anywhere; }
.field-session dd { font: 12.5px/1.6 ui-monospace, Menlo, Consolas, monospace; }
.request { margin-top: 18px; padding: 12px 16px; background: var(--soft); border-left: 3px solid var(--brand); border-radius: 0 6px 6px 0; }
h3 { margin: 0 0 4px; color: var(--muted); font-size: 11.5px; font-weight: 700; letter-spacing: 0.04em; text-transform: uppercase; }
.pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.log { width: 100%; border-collapse: collapse; table-layout: fixed; }
.log col.time { width: 92px; }
.log col.who { width: 150px; }
th { padding: 6px 8px; border-bottom: 1px solid var(--line); color: var(--muted); font-size: 11.5px; font-weight: 700;
  letter-spacing: 0.04em; text-align: left; text-transform: uppercase; }
td { padding: 7px 8px; border-bottom: 1px solid var(--faint); vertical-align: top; }
td.time { color: var(--muted); font-size: 12.5px; font-variant-numeric: tabular-nums; white-space: nowrap; border-left: 3px solid transparent; }
td.who { font-weight: 650; overflow-wrap: anywhere; }
.role { display: block; color: var(--muted); font-size: 11.5px; font-weight: 400; }
tr.rep td.who { color: var(--brand); }
tr.customer td.who { color: var(--customer); }
td.msg { white-space: pre-wrap; overflow-wrap: anywhere; }
.delivery { display: block; margin-top: 2px; color: var(--muted); font-size: 11px; white-space: normal; }
.delivery.delivered { color: var(--ok); }
tr.system td { background: #fafbfd; }
td.event { color: var(--muted); font-style: italic; overflow-wrap: anywhere; }
tr.success td.time { border-left-color: var(--ok); }
tr.success td.event { color: var(--ok); }
tr.warning td.time { border-left-color: var(--warn); }
tr.warning td.event { color: var(--warn); }
tr.error td.time { border-left-color: var(--bad); }
tr.error td.event { color: var(--bad); font-weight: 600; }
tr.day td { padding: 5px 8px; background: var(--soft); font-size: 12px; font-weight: 650; }
code { padding: 0 0.25em; border-radius: 3px; background: #f0f2f6; font: 0.92em ui-monospace, Menlo, Consolas, monospace; }
blockquote { margin: 4px 0; padding-left: 10px; border-left: 3px solid var(--line); color: var(--muted); }
a { color: var(--brand); }
.hint { margin: -4px 0 10px; color: var(--muted); font-size: 12px; }
.notes .pre { padding: 12px 16px; border: 1px solid var(--line); border-radius: 6px; }
.none { margin: 0; color: var(--muted); font-style: italic; }
footer { margin-top: 34px; padding-top: 12px; border-top: 1px solid var(--line); color: var(--muted); font-size: 11.5px; }
footer p { margin: 0 0 2px; }
@page { margin: 16mm 14mm 18mm;
  @bottom-right { content: counter(page) " / " counter(pages); color: #5b6475; font: 9pt system-ui, sans-serif; } }
@media print {
  html { background: #fff; }
  body { font-size: 10pt; }
  .sheet { max-width: none; margin: 0; padding: 0; border-radius: 0; box-shadow: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  thead { display: table-header-group; }
  tr, .fields > div, .request { break-inside: avoid; }
  h2, h3, tr.day { break-after: avoid; }
  .details { break-inside: avoid; }
  a { color: inherit; }
  a.labelled::after { content: " (" attr(href) ")"; color: var(--muted); font-size: 0.85em; overflow-wrap: anywhere; }
}
@media (max-width: 640px) {
  .sheet { margin: 0; padding: 20px 16px; border-radius: 0; }
  .masthead { flex-direction: column; align-items: flex-start; }
  .copy { text-align: left; }
  .fields { grid-template-columns: minmax(0, 1fr); }
  .log col.time { width: 64px; }
  .log col.who { width: 86px; }
}
`;
