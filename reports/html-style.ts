/** The HTML report's stylesheet, inlined (the CSP allows inline styles and nothing else). */
export const HTML_STYLE = `
:root { --bg:#f6f7f9; --card:#fff; --text:#1f2933; --muted:#616e7c; --line:#e4e7eb; --grid:#eef0f3;
  --pass:#15803d; --pass-bg:#dcfce7; --warn:#b45309; --warn-bg:#fef3c7; --fail:#b91c1c; --fail-bg:#fee2e2;
  --error:#7e22ce; --error-bg:#f3e8ff; --skip:#52606d; --skip-bg:#e4e7eb; --accent:#2563eb; }
@media (prefers-color-scheme: dark) {
  :root { --bg:#0f1419; --card:#1a2027; --text:#e4e7eb; --muted:#9aa5b1; --line:#323f4b; --grid:#242d36;
    --pass-bg:#14532d; --pass:#86efac; --warn-bg:#713f12; --warn:#fcd34d; --fail-bg:#7f1d1d; --fail:#fca5a5;
    --error-bg:#581c87; --error:#d8b4fe; --skip-bg:#323f4b; --skip:#cbd2d9; --accent:#60a5fa; }
}
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--text); font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; }
main { max-width:1080px; margin:0 auto; padding:24px; }
h1 { font-size:22px; margin:0 0 4px; } h2 { font-size:18px; margin:28px 0 10px; } h3 { font-size:15px; margin:20px 0 8px; }
.muted { color:var(--muted); } code, .mono { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:12.5px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:16px 18px; margin:12px 0; }
.header { display:flex; flex-wrap:wrap; gap:16px; align-items:center; justify-content:space-between; }
.stats { display:flex; flex-wrap:wrap; gap:10px; margin-top:12px; }
.stat { background:var(--bg); border:1px solid var(--line); border-radius:8px; padding:8px 12px; min-width:110px; }
.stat.s-fail, .stat.s-error, .stat.s-warn, .stat.s-pass, .stat.s-skip { border-left:4px solid currentColor; }
.stat b { display:block; font-size:18px; } .stat span { color:var(--muted); font-size:12px; }
.badge { display:inline-block; border-radius:999px; padding:2px 10px; font-weight:600; font-size:12px; letter-spacing:.03em; }
.badge.big { font-size:16px; padding:6px 16px; }
.s-pass { background:var(--pass-bg); color:var(--pass); } .s-warn { background:var(--warn-bg); color:var(--warn); }
.s-fail { background:var(--fail-bg); color:var(--fail); } .s-error { background:var(--error-bg); color:var(--error); }
.s-skip { background:var(--skip-bg); color:var(--skip); } .s-interrupted { background:var(--error-bg); color:var(--error); }
nav.toc ol { margin:6px 0 0; padding-left:20px; } nav.toc a { color:var(--accent); text-decoration:none; }
details.finding { border:1px solid var(--line); border-radius:8px; margin:6px 0; background:var(--card); }
details.finding > summary { cursor:pointer; padding:8px 12px; display:flex; gap:10px; align-items:baseline; flex-wrap:wrap; }
details.finding > summary .title { font-weight:600; } details.finding > summary .time { margin-left:auto; color:var(--muted); font-size:12px; }
details.finding .body { padding:0 12px 12px; border-top:1px solid var(--line); }
.remediation { border-left:3px solid var(--accent); background:var(--bg); padding:8px 12px; margin:10px 0; white-space:pre-wrap; }
table { border-collapse:collapse; width:100%; margin:8px 0; }
th, td { text-align:left; padding:6px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:12px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
table.evidence td:first-child { width:28%; color:var(--muted); } table.evidence td { word-break:break-word; white-space:pre-wrap; }
.charts { display:grid; grid-template-columns:repeat(auto-fit,minmax(640px,1fr)); gap:12px; }
svg.chart { width:100%; height:auto; background:var(--card); border:1px solid var(--line); border-radius:10px; }
svg.chart text { fill:var(--text); font-family:system-ui,sans-serif; }
svg.chart .tick { font-size:11px; fill:var(--muted); } svg.chart .axis-label { font-size:12px; fill:var(--muted); }
svg.chart .chart-title { font-size:14px; font-weight:600; } svg.chart .legend { font-size:12px; }
svg.chart .ref-label { font-size:11px; font-weight:600; paint-order:stroke; stroke:var(--card); stroke-width:3px; stroke-linejoin:round; } svg.chart .chart-empty { fill:var(--muted); }
svg.chart .grid { stroke:var(--grid); stroke-width:1; } svg.chart .axis { stroke:var(--muted); stroke-width:1; }
footer { margin:32px 0 8px; color:var(--muted); font-size:12px; }
@media print { details.finding { break-inside:avoid; } body { background:#fff; } }
`
