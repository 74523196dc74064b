/// The viewer page's style sheet: plain sans-serif text, one accent colour per map, visible
/// focus rings, and a layout that fits a 1280 px screenshot (text beside the heatmap).
enum ViewerStyle {
    static let css = #"""
:root {
  --ink: #1a1a1a; --muted: #5a5a5a; --rule: #d8d8d8; --panel: #f7f7f5; --focus: #1f5fbf;
  --masked: #dcdcdc;
  font-family: "DejaVu Sans", system-ui, -apple-system, "Segoe UI", sans-serif;
  color: var(--ink); background: #fff;
}
* { box-sizing: border-box; }
body { margin: 0; padding: 18px 24px 28px; line-height: 1.4; font-size: 14px; }
header h1 { font-size: 19px; margin: 0 0 2px; }
header p { margin: 0; color: var(--muted); font-size: 13px; }
[role="tablist"] { display: flex; gap: 4px; margin: 14px 0 0; border-bottom: 1px solid var(--rule); }
[role="tab"] { font: inherit; border: 1px solid var(--rule); border-bottom: none; background: var(--panel);
  padding: 6px 14px; border-radius: 6px 6px 0 0; cursor: pointer; color: var(--muted); }
[role="tab"][aria-selected="true"] { background: #fff; color: var(--ink); font-weight: 600; position: relative; top: 1px; }
[role="tabpanel"] { padding-top: 12px; }
.controls { display: flex; flex-wrap: wrap; align-items: center; gap: 10px 18px; margin-bottom: 12px; }
.controls label { display: inline-flex; align-items: center; gap: 6px; }
select, button { font: inherit; }
select#layer { max-width: 280px; }
select { padding: 3px 6px; border: 1px solid #a8a8a8; border-radius: 4px; background: #fff; }
.modes { display: inline-flex; border: 1px solid #a8a8a8; border-radius: 5px; overflow: hidden; }
.modes button { border: none; background: #fff; padding: 4px 11px; cursor: pointer; border-right: 1px solid #a8a8a8; }
.modes button:last-child { border-right: none; }
.modes button[aria-checked="true"] { background: #2b2b2b; color: #fff; }
:focus-visible { outline: 2px solid var(--focus); outline-offset: 2px; }
.keys { color: var(--muted); font-size: 12px; }
kbd { font-family: inherit; font-size: 11px; border: 1px solid #bbb; border-bottom-width: 2px; border-radius: 3px; padding: 0 4px; background: #fafafa; }
.layout { display: grid; grid-template-columns: minmax(340px, 1fr) 640px; gap: 20px; align-items: start; }
@media (max-width: 980px) { .layout { grid-template-columns: 1fr; } }
h2 { font-size: 14px; margin: 0 0 6px; }
.text-view, .map-view { border: 1px solid var(--rule); border-radius: 8px; padding: 12px 14px; }
#tokens { line-height: 2.05; font-size: 15px; max-height: 520px; overflow-y: auto; }
.tok { white-space: pre; border-radius: 2px; padding: 2px 0; cursor: pointer; }
.tok.meta, .tok.meta-sum { font-size: 12px; color: #3a3a3a; border: 1px dashed #9a9a9a; padding: 1px 4px; margin-right: 3px; }
.tok.meta[hidden] { display: none; }
.tok.future { color: #a0a0a0; }
.tok.masked { color: #8a8a8a; text-decoration: line-through dotted #9a9a9a; }
.tok.query { outline: 2px solid #111; outline-offset: 0; }
.tok.pinned { outline-width: 3px; }
.tok.key-hover { text-decoration: underline 2px; text-underline-offset: 3px; }
.readout { margin-top: 10px; font-size: 13px; min-height: 4.2em; }
.readout .line { margin: 2px 0; }
.share { display: inline-block; width: 120px; height: 9px; background: #eee; border-radius: 2px; vertical-align: middle; margin: 0 6px; overflow: hidden; }
.share > span { display: block; height: 100%; background: #555; }
.legend { font-size: 12px; color: var(--muted); margin-top: 6px; }
.swatch { display: inline-block; width: 22px; height: 11px; vertical-align: middle; border: 1px solid #999; margin: 0 3px; }
.map-view canvas { display: block; image-rendering: pixelated; cursor: crosshair; }
.map-wrap { position: relative; }
#map-tip { position: absolute; pointer-events: none; background: rgba(20,20,20,0.92); color: #fff; font-size: 12px;
  padding: 4px 7px; border-radius: 4px; white-space: pre; transform: translate(12px, 12px); }
.colorbar { display: flex; align-items: center; gap: 6px; margin-top: 8px; font-size: 12px; color: var(--muted); }
.colorbar .ramp { width: 220px; height: 11px; border: 1px solid #999; }
.note { color: var(--muted); font-size: 12px; max-width: 980px; }
.lens-wrap { overflow: auto; max-height: 640px; border: 1px solid var(--rule); border-radius: 8px; }
table.lens { border-collapse: separate; border-spacing: 0; font-size: 12px; }
table.lens th { position: sticky; background: #fff; font-weight: 600; padding: 3px 6px; white-space: pre; }
table.lens thead th { top: 0; z-index: 2; border-bottom: 1px solid var(--rule); font-weight: normal; }
table.lens thead th .pos { display: block; color: var(--muted); font-size: 10px; }
table.lens tbody th { left: 0; z-index: 1; text-align: right; border-right: 1px solid var(--rule); }
table.lens thead th:first-child { left: 0; z-index: 3; }
table.lens td { padding: 4px 6px; white-space: pre; text-align: center; min-width: 38px; max-width: 90px;
  overflow: hidden; text-overflow: ellipsis; cursor: default; border: 1px solid #fff; }
table.lens td.hit { text-decoration: underline; text-decoration-thickness: 2px; }
table.lens td:focus-visible, table.lens td.current { outline: 2px solid #111; outline-offset: -2px; }
footer { margin-top: 18px; border-top: 1px solid var(--rule); padding-top: 10px; }
footer p { margin: 4px 0; }
"""#
}
