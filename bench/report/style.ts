/** The report's stylesheet, inlined into the page: a report must open with no network. */
export const REPORT_CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;padding:0 24px;color:#222;background:#fff;max-width:1120px;line-height:1.4}
h1{font-size:24px;margin-bottom:4px}h1 .subtitle{font-size:15px;font-weight:normal;color:#555;margin-left:8px}
nav{font-size:13px;margin-bottom:8px}nav a{color:#0072B2}
h2{font-size:19px;margin-top:36px;border-bottom:2px solid #ccc;padding-bottom:2px}
h3{font-size:15px;margin:22px 0 6px}
figure{margin:0 0 12px}
svg.chart{display:block;margin:6px 0;background:#fcfcfc;border:1px solid #e4e4e4}
.panels{display:flex;flex-wrap:wrap;gap:12px}.panels svg.chart{margin:0}
svg .title{font-size:13px;font-weight:600}
.legend{display:flex;flex-wrap:wrap;gap:4px 18px;font-size:13px;margin:4px 0}.legend-entry{display:inline-flex;align-items:center;gap:6px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;font-size:14px;margin:8px 0}dl.facts dt{font-weight:600}dl.facts dd{margin:0;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}th{background:#f2f2f2;white-space:nowrap}
td:first-child,th:first-child,td.text,th.text,table.settings td:last-child,table.settings th:last-child{text-align:left}
tbody tr:nth-child(even){background:#fafafa}
.PASS{color:#17803d;font-weight:600}.MISS{color:#8a4b00;font-weight:600}.UNMEASURED,.FAILED{color:#8a6d00;font-weight:600}
.note{color:#555;font-size:13px}.error{color:#b3261e}.peer-missing{background:#fff6e0;border-left:4px solid #E69F00;padding:8px 12px}
details summary{cursor:pointer;font-size:14px;margin-top:12px}
code{font-family:ui-monospace,Menlo,Consolas,monospace;background:#f2f2f2;padding:0 3px}
`;
