/// The viewer page's script. It reads `#hymba-view-data`, decodes the 16-bit maps once, and
/// draws on demand: the token text shaded by the query row's weights, the heatmap of the
/// selected head (one cached image per selection, a crosshair over it), and the lens table.
///
/// State is one object; every control changes it and calls `render`. `window.hymbaView` exposes
/// the decoded data and the state for inspection (the browser check compares the page with a
/// separate recording, not with this).
enum ViewerScript {
    static let javascript = #"""
(() => {
"use strict";
const raw = JSON.parse(document.getElementById("hymba-view-data").textContent);
const M = raw.metaCount, H = raw.heads, n = raw.tokens.length, SCALE = raw.code.scale;
const perMap = n * M + n * (n + 1) / 2;
const rowStart = i => i * M + i * (i + 1) / 2;

function bytesOf(b64) {
  const text = atob(b64), bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
function int16s(b64) {
  const bytes = bytesOf(b64), view = new DataView(bytes.buffer), out = new Int16Array(bytes.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(2 * i, true);
  return out;
}
function float32s(b64) {
  const bytes = bytesOf(b64), view = new DataView(bytes.buffer), out = new Float32Array(bytes.length >> 2);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}
const layers = raw.layers.map(l => ({
  index: l.index, kind: l.kind, window: l.window,
  attention: int16s(l.attention), ssm: int16s(l.ssm), ssmScale: float32s(l.ssmRowScale),
  attentionMeta: int16s(l.attentionMeta), ssmMeta: int16s(l.ssmMeta),
}));

// ---- tokens as text -------------------------------------------------------------------------
const BYTE = /^<0x([0-9A-Fa-f]{2})>$/;
/** A piece as prose: "▁" is a space, newline and tab bytes get a visible sign. */
function prose(piece) {
  const byte = BYTE.exec(piece);
  if (byte) {
    const code = parseInt(byte[1], 16);
    if (code === 10) return "↵";
    if (code === 9) return "⇥";
    return piece;
  }
  if (piece === "") return "∅";
  return piece.replace(/\u2581/g, " ");
}
/** A piece as a label: visible spaces, escaped control characters. */
function label(piece) {
  return piece.replace(/[\u0000-\u001f\u007f]/g, c => "\\x" + c.charCodeAt(0).toString(16).padStart(2, "0"))
    .replace(/^ +$/, s => "␣".repeat(s.length)) || "∅";
}
const metaName = u => "m" + u;
const keyName = u => u < M ? metaName(u) : label(raw.tokens[u - M]);

// ---- values ---------------------------------------------------------------------------------
const fmt = v => (Math.abs(v) < 0.00005 ? 0 : v).toFixed(4);
/** Whether query i (0-based prompt token) can see key u (0 … M+n−1) in attention. */
function attentionSees(layer, i, u) {
  if (u > M + i) return false;
  if (layer.window === null || layer.window === undefined || u < M) return true;
  return (M + i) - u <= layer.window;
}
/** The weight shown for key u of query i: p, |α| share, or their difference. */
function weight(layer, head, mode, i, u) {
  const at = head * perMap + rowStart(i) + u;
  const a = layer.attention[at] / SCALE, s = Math.abs(layer.ssm[at] / SCALE);
  return mode === "attention" ? a : mode === "ssm" ? s : a - s;
}
function signedAlpha(layer, head, i, u) {
  return layer.ssm[head * perMap + rowStart(i) + u] / SCALE * layer.ssmScale[head * n + i];
}
function metaShare(layer, head, mode, i) {
  const a = layer.attentionMeta[head * n + i] / SCALE, s = layer.ssmMeta[head * n + i] / SCALE;
  return mode === "attention" ? a : mode === "ssm" ? s : a - s;
}
function meanMetaShare(layer, head, mode) {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += metaShare(layer, head, mode, i);
  return sum / n;
}

// ---- colours --------------------------------------------------------------------------------
const hex = h => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
const viridis = raw.colormaps.viridis.map(hex), diverging = raw.colormaps.diverging.map(hex);
const at256 = (table, f) => table[Math.max(0, Math.min(255, Math.round(f * 255)))];
const ACCENT = { attention: [230, 159, 0], ssm: [86, 180, 233] };
const RED = diverging[230], BLUE = diverging[25];
function luminance([r, g, b]) {
  const lin = c => { c /= 255; return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}
const css = ([r, g, b], a) => a === undefined ? `rgb(${r},${g},${b})` : `rgba(${r},${g},${b},${a.toFixed(3)})`;

// ---- state ----------------------------------------------------------------------------------
const state = { tab: "attention", layer: 0, head: 0, mode: "attention", query: n - 1, pinned: false,
                hoverKey: null, expandMeta: false, sqrt: false, lensCell: null };
const $ = id => document.getElementById(id);

// ---- controls -------------------------------------------------------------------------------
const layerSelect = $("layer"), headSelect = $("head");
layers.forEach((l, slot) => layerSelect.add(new Option(`${l.index} · ${l.kind}`, String(slot))));
for (let h = 0; h < H; h++) headSelect.add(new Option(String(h), String(h)));
layerSelect.addEventListener("change", () => { state.layer = Number(layerSelect.value); render(); });
headSelect.addEventListener("change", () => { state.head = Number(headSelect.value); render(); });
const modeButtons = [...document.querySelectorAll(".modes button")];
modeButtons.forEach(b => b.addEventListener("click", () => { state.mode = b.dataset.mode; render(); }));
$("expand-meta").addEventListener("change", e => { state.expandMeta = e.target.checked; render(); });
$("sqrt-scale").addEventListener("change", e => { state.sqrt = e.target.checked; render(); });
const tabs = [$("tab-attention"), $("tab-lens")];
tabs.forEach(t => {
  t.addEventListener("click", () => selectTab(t.id === "tab-lens" ? "lens" : "attention"));
  t.addEventListener("keydown", e => {
    if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
      selectTab(state.tab === "lens" ? "attention" : "lens");
      tabs[state.tab === "lens" ? 1 : 0].focus();
      e.preventDefault();
    }
  });
});
function selectTab(tab) {
  state.tab = tab;
  tabs.forEach(t => {
    const on = (t.id === "tab-lens") === (tab === "lens");
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
  });
  $("panel-attention").hidden = tab !== "attention";
  $("panel-lens").hidden = tab !== "lens";
  if (tab === "lens") buildLens();
}

// ---- the token text -------------------------------------------------------------------------
const tokensBox = $("tokens");
const chips = [];           // chips[u] for every key u (meta keys first)
const metaSum = document.createElement("span");
metaSum.className = "tok meta-sum";
metaSum.dataset.key = "meta";
metaSum.textContent = `meta ×${M}`;
if (M > 0) tokensBox.append(metaSum, " ");
for (let u = 0; u < M; u++) {
  const chip = document.createElement("span");
  chip.className = "tok meta";
  chip.dataset.key = String(u);
  chip.textContent = metaName(u);
  chip.hidden = true;
  chips.push(chip);
  tokensBox.append(chip, document.createElement("wbr"));
}
for (let i = 0; i < n; i++) {
  const chip = document.createElement("span");
  chip.className = "tok real";
  chip.dataset.key = String(M + i);
  chip.dataset.pos = String(i);
  // Ids (no tokenizer) are spaced apart; pieces carry their own spaces.
  chip.textContent = raw.tokenKind === "ids" ? (i > 0 ? " " : "") + raw.tokens[i] : prose(raw.tokens[i]);
  chip.tabIndex = -1;
  chip.setAttribute("role", "button");
  chips.push(chip);
  // A line may break after any token (chips keep their inner spaces, so the text wraps here).
  const lineEnd = raw.tokenKind !== "ids" && prose(raw.tokens[i]) === "↵";
  tokensBox.append(chip, document.createElement(lineEnd ? "br" : "wbr"));
}
function keyOf(element) {
  const chip = element.closest && element.closest(".tok");
  if (!chip) return null;
  return chip.dataset.key === "meta" ? "meta" : Number(chip.dataset.key);
}
tokensBox.addEventListener("mouseover", e => {
  const key = keyOf(e.target);
  if (key === null) return;
  state.hoverKey = key;
  if (!state.pinned && key !== "meta" && key >= M) state.query = key - M;
  render();
});
tokensBox.addEventListener("mouseleave", () => { state.hoverKey = null; render(); });
tokensBox.addEventListener("click", e => {
  const key = keyOf(e.target);
  if (key === null || key === "meta" || key < M) return;
  pin(key - M);
});
tokensBox.addEventListener("focusin", e => {
  const key = keyOf(e.target);
  if (key !== null && key !== "meta" && key >= M && !state.pinned) { state.query = key - M; render(); }
});
tokensBox.addEventListener("keydown", e => {
  if (e.key === "Enter" || e.key === " ") { pin(state.query); e.preventDefault(); }
});
function pin(i) {
  state.pinned = !(state.pinned && state.query === i);
  state.query = i;
  render();
}

function rowScale(values) {
  // Shade ∝ weight ÷ the row's largest prompt-key weight (meta keys capped at the top).
  let top = 0;
  for (let u = M; u < values.length; u++) if (values[u] !== null) top = Math.max(top, Math.abs(values[u]));
  return top > 0 ? top : 1;
}
function shade(v, top) {
  let f = Math.min(1, Math.abs(v) / top);
  if (state.sqrt) f = Math.sqrt(f);
  return f;
}
function chipColour(v, f) {
  if (state.mode === "difference") return css(v >= 0 ? RED : BLUE, 0.9 * f);
  return css(ACCENT[state.mode], 0.9 * f);
}

function currentRow() {
  const layer = layers[state.layer], i = state.query, values = [];
  for (let u = 0; u < M + n; u++) {
    if (u > M + i) values.push(null);
    else if (state.mode === "attention" && !attentionSees(layer, i, u)) values.push(null);
    else values.push(weight(layer, state.head, state.mode, i, u));
  }
  return values;
}

function renderTokens() {
  const layer = layers[state.layer], i = state.query, values = currentRow(), top = rowScale(values);
  for (let u = 0; u < M + n; u++) {
    const chip = chips[u], v = values[u];
    chip.hidden = u < M && !state.expandMeta;
    const future = u > M + i, masked = !future && v === null;
    chip.classList.toggle("future", future);
    chip.classList.toggle("masked", masked);
    chip.classList.toggle("query", u === M + i);
    chip.classList.toggle("pinned", state.pinned && u === M + i);
    chip.classList.toggle("key-hover", state.hoverKey === u);
    if (v === null) {
      chip.style.background = "";
      chip.dataset.weight = "";
      chip.dataset.state = future ? "future" : "masked";
      chip.title = `${keyName(u)}: ${future ? "after the query" : "outside the sliding window"}`;
    } else {
      chip.style.background = chipColour(v, shade(v, top));
      chip.dataset.weight = fmt(v);
      chip.dataset.state = "visible";
      let title = `${keyName(u)} (key ${u}): ${fmt(v)}`;
      if (state.mode !== "attention") title += ` · α = ${signedAlpha(layer, state.head, i, u).toPrecision(5)}`;
      chip.title = title;
    }
    if (u >= M) chip.tabIndex = u === M + i ? 0 : -1;
  }
  metaSum.hidden = state.expandMeta || M === 0;
  const meta = metaShare(layer, state.head, state.mode, i);
  metaSum.style.background = chipColour(meta, shade(meta, top));
  metaSum.dataset.weight = fmt(meta);
  metaSum.title = `sum over the ${M} meta tokens: ${fmt(meta)}`;
  metaSum.classList.toggle("key-hover", state.hoverKey === "meta");
}

function modeName(mode) {
  return mode === "attention" ? "attention" : mode === "ssm" ? "SSM |α| share" : "attention − SSM";
}
function renderReadout() {
  const layer = layers[state.layer], i = state.query, values = currentRow();
  const qLabel = label(raw.tokens[i]);
  $("text-title").textContent = `Query ${i} “${qLabel}” reads · layer ${layer.index} · head ${state.head} · ${modeName(state.mode)}`;
  const lines = [];
  const share = metaShare(layer, state.head, state.mode, i);
  const bar = state.mode === "difference" ? "" :
    `<span class="share" aria-hidden="true"><span style="width:${(100 * Math.max(0, Math.min(1, share))).toFixed(1)}%"></span></span>`;
  lines.push(`<div class="line" id="meta-share" data-value="${fmt(share)}">meta-token share of this row: <b>${fmt(share)}</b>${bar}` +
             ` (head mean over the prompt's rows: ${fmt(meanMetaShare(layer, state.head, state.mode))})</div>`);
  const order = [];
  for (let u = 0; u < values.length; u++) if (values[u] !== null) order.push(u);
  order.sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]));
  const top = order.slice(0, 5).map(u => `${escapeHTML(keyName(u))} ${fmt(values[u])}`).join(" · ");
  lines.push(`<div class="line">largest: ${top}</div>`);
  if (state.hoverKey !== null) {
    const k = state.hoverKey;
    const text = k === "meta" ? `meta tokens together: ${fmt(share)}` :
      values[k] === null ? `${escapeHTML(keyName(k))}: not visible from this query` :
      `${escapeHTML(keyName(k))} (key ${k}): ${fmt(values[k])}` +
        (state.mode !== "attention" ? ` · α = ${signedAlpha(layer, state.head, i, k).toPrecision(5)}` : "");
    lines.push(`<div class="line" id="hovered-key">${text}</div>`);
  }
  lines.push(`<div class="line">${state.pinned ? "pinned: click the query again or press Esc to follow the mouse" : "hover a token to make it the query; click to pin it"}</div>`);
  $("readout").innerHTML = lines.join("");
  const accent = state.mode === "difference"
    ? `<span class="swatch" style="background:${css(RED)}"></span>attention more <span class="swatch" style="background:${css(BLUE)}"></span>SSM more`
    : `<span class="swatch" style="background:${css(ACCENT[state.mode])}"></span>${modeName(state.mode)}`;
  $("text-legend").innerHTML = `${accent} · shade ∝ weight ÷ the row's largest prompt-key weight${state.sqrt ? ", square root" : ""} (meta capped at full shade) · grey: not visible`;
}
function escapeHTML(s) {
  return s.replace(/[&<>"]/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
}

// ---- the heatmap ----------------------------------------------------------------------------
const canvas = $("map"), tip = $("map-tip");
const MAX_SIDE = 600;
let mapCache = null;        // { key, image: canvas, cols, top }
function mapColumns() { return (state.expandMeta ? M : (M > 0 ? 1 : 0)) + n; }
/** Key of column c: "meta" (collapsed meta), a meta key, or a prompt key. */
function columnKey(c) {
  const metaCols = state.expandMeta ? M : (M > 0 ? 1 : 0);
  if (c < metaCols) return state.expandMeta ? c : "meta";
  return M + (c - metaCols);
}
function cellValue(layer, i, key) {
  if (key === "meta") return metaShare(layer, state.head, state.mode, i);
  if (key > M + i) return null;
  if (state.mode === "attention" && !attentionSees(layer, i, key)) return null;
  return weight(layer, state.head, state.mode, i, key);
}
function buildMap() {
  const layer = layers[state.layer], cols = mapColumns();
  const cacheKey = [state.layer, state.head, state.mode, state.expandMeta, state.sqrt].join("/");
  if (mapCache && mapCache.key === cacheKey) return mapCache;
  let top = 0;
  for (let i = 0; i < n; i++) for (let u = M; u <= M + i; u++) {
    const v = cellValue(layer, i, u);
    if (v !== null) top = Math.max(top, Math.abs(v));
  }
  if (top === 0) top = 1;
  const image = document.createElement("canvas");
  image.width = cols; image.height = n;
  const context = image.getContext("2d"), pixels = context.createImageData(cols, n);
  for (let i = 0; i < n; i++) for (let c = 0; c < cols; c++) {
    const v = cellValue(layer, i, columnKey(c));
    let rgb;
    if (v === null) rgb = [220, 220, 220];
    else if (state.mode === "difference") rgb = at256(diverging, 0.5 + 0.5 * Math.max(-1, Math.min(1, v / top)));
    else { let f = Math.min(1, v / top); if (state.sqrt) f = Math.sqrt(f); rgb = at256(viridis, f); }
    const o = 4 * (i * cols + c);
    pixels.data[o] = rgb[0]; pixels.data[o + 1] = rgb[1]; pixels.data[o + 2] = rgb[2]; pixels.data[o + 3] = 255;
  }
  context.putImageData(pixels, 0, 0);
  mapCache = { key: cacheKey, image, cols, top };
  return mapCache;
}
let cell = 1, left = 0, bottom = 0;
const LABEL_FONT = "11px 'DejaVu Sans', system-ui, sans-serif";
/** Label of column c of the map. */
function columnLabel(c) {
  const key = columnKey(c);
  return key === "meta" ? "meta" : keyName(key);
}
function clipped(context, text, width) {
  if (context.measureText(text).width <= width) return text;
  while (text.length > 1 && context.measureText(text + "…").width > width) text = text.slice(0, -1);
  return text + "…";
}
function renderMap(hover) {
  const map = buildMap(), cols = map.cols;
  cell = Math.max(0.5, Math.min(24, (MAX_SIDE - 70) / Math.max(cols, n)));
  // Token labels along the axes while cells are tall enough to hold a line of text.
  const labelled = cell >= 11;
  left = labelled ? 70 : 0; bottom = labelled ? 62 : 0;
  const width = Math.ceil(left + cols * cell), height = Math.ceil(n * cell + bottom), ratio = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio); canvas.height = Math.round(height * ratio);
    canvas.style.width = width + "px"; canvas.style.height = height + "px";
  }
  const context = canvas.getContext("2d");
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.imageSmoothingEnabled = false;
  context.clearRect(0, 0, width, height);
  const mapWidth = cols * cell, mapHeight = n * cell;
  context.drawImage(map.image, left, 0, mapWidth, mapHeight);
  if (labelled) {
    context.font = LABEL_FONT; context.fillStyle = "#1a1a1a"; context.textBaseline = "middle";
    context.textAlign = "right";
    for (let i = 0; i < n; i++) context.fillText(clipped(context, label(raw.tokens[i]), left - 6), left - 4, (i + 0.5) * cell);
    for (let c = 0; c < cols; c++) {
      context.save();
      context.translate(left + (c + 0.5) * cell, mapHeight + 4);
      context.rotate(-Math.PI / 2);
      context.fillText(clipped(context, columnLabel(c), bottom - 6), 0, 0);
      context.restore();
    }
  }
  const metaCols = state.expandMeta ? M : (M > 0 ? 1 : 0);
  if (metaCols > 0) {
    context.strokeStyle = "#fff"; context.lineWidth = 2;
    context.beginPath(); context.moveTo(left + metaCols * cell, 0); context.lineTo(left + metaCols * cell, mapHeight); context.stroke();
    context.strokeStyle = "#222"; context.lineWidth = 0.8; context.stroke();
  }
  // The query row, and the hovered cell's row and column.
  context.strokeStyle = "#ff3b30"; context.lineWidth = 1.5;
  context.strokeRect(left + 0.75, state.query * cell + 0.75, mapWidth - 1.5, Math.max(1, cell - 1.5));
  if (hover) {
    // Two-tone lines (white under dark) stay visible on every colour of both maps.
    for (const [colour, lineWidth] of [["rgba(255,255,255,0.9)", 2.5], ["rgba(20,20,20,0.85)", 1]]) {
      context.strokeStyle = colour; context.lineWidth = lineWidth;
      context.strokeRect(left + hover.c * cell, 0, Math.max(1, cell), mapHeight);
      context.strokeRect(left, hover.i * cell, mapWidth, Math.max(1, cell));
    }
  }
  const layer = layers[state.layer];
  $("map-title").textContent = `Layer ${layer.index} (${layer.kind}) · head ${state.head} · ${modeName(state.mode)}`;
  const low = state.mode === "difference" ? -map.top : 0;
  $("bar-low").textContent = fmt(low);
  $("bar-high").textContent = fmt(map.top) + (state.sqrt && state.mode !== "difference" ? " (√)" : "");
  const table = state.mode === "difference" ? diverging : viridis, stops = [];
  for (let k = 0; k <= 16; k++) stops.push(css(at256(table, k / 16)));
  $("ramp").style.background = `linear-gradient(to right, ${stops.join(",")})`;
  $("map-legend").textContent = `rows: the ${n} prompt tokens as queries (the red frame is the query) · columns: ` +
    (metaCols ? (state.expandMeta ? `the ${M} meta tokens, then ` : "the meta tokens' sum, then ") : "") +
    `the prompt · top of the scale: the largest prompt-key weight (meta cells above it take the top colour)`;
}
function cellAt(event) {
  const box = canvas.getBoundingClientRect();
  const c = Math.floor((event.clientX - box.left - left) / cell), i = Math.floor((event.clientY - box.top) / cell);
  if (c < 0 || i < 0 || c >= mapColumns() || i >= n) return null;
  return { c, i };
}
canvas.addEventListener("mousemove", e => {
  const hover = cellAt(e);
  if (!hover) { tip.hidden = true; return; }
  if (!state.pinned) state.query = hover.i;
  const key = columnKey(hover.c), layer = layers[state.layer], v = cellValue(layer, hover.i, key);
  state.hoverKey = key;
  renderTokens(); renderReadout(); renderMap(hover);
  const keyLabel = key === "meta" ? `meta ×${M} (sum)` : `${keyName(key)} (key ${key})`;
  let text = `query ${hover.i} “${label(raw.tokens[hover.i])}”\nkey ${keyLabel}\n`;
  text += v === null ? "not visible" : `${modeName(state.mode)}: ${fmt(v)}`;
  if (v !== null && key !== "meta" && state.mode !== "attention") text += `\nα = ${signedAlpha(layer, state.head, hover.i, key).toPrecision(5)}`;
  tip.textContent = text;
  tip.dataset.value = v === null ? "" : fmt(v);
  tip.style.left = (e.clientX - canvas.getBoundingClientRect().left) + "px";
  tip.style.top = (e.clientY - canvas.getBoundingClientRect().top) + "px";
  tip.hidden = false;
});
canvas.addEventListener("mouseleave", () => { tip.hidden = true; state.hoverKey = null; render(); });
canvas.addEventListener("click", e => { const hover = cellAt(e); if (hover) pin(hover.i); });

// ---- the logit lens -------------------------------------------------------------------------
let lensBuilt = false;
const lensLayers = raw.lens.layers, K = raw.lens.topK;
const pieceOf = id => raw.lens.pieces[String(id)] ?? String(id);
function lensCell(slot, t) {
  const ids = raw.lens.ids[slot].slice(t * K, t * K + K), ps = raw.lens.probabilities[slot].slice(t * K, t * K + K);
  return { ids, ps, target: raw.lens.targets[t], rank: raw.lens.targetRanks[slot][t], logp: raw.lens.targetLogProbabilities[slot][t] };
}
function buildLens() {
  if (lensBuilt) return;
  lensBuilt = true;
  const table = $("lens"), head = table.createTHead().insertRow();
  const corner = document.createElement("th");
  corner.textContent = "layer ╲ token";
  head.append(corner);
  for (let t = 0; t < n; t++) {
    const th = document.createElement("th");
    th.scope = "col";
    th.innerHTML = `${escapeHTML(label(raw.tokens[t]))}<span class="pos">${t}</span>`;
    head.append(th);
  }
  const body = table.createTBody();
  for (let slot = lensLayers.length - 1; slot >= 0; slot--) {
    const row = body.insertRow();
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = `layer ${lensLayers[slot]}`;
    row.append(th);
    for (let t = 0; t < n; t++) {
      const c = lensCell(slot, t), td = row.insertCell();
      const rgb = at256(viridis, c.ps[0]);
      td.style.background = css(rgb);
      td.style.color = luminance(rgb) > 0.179 ? "#111" : "#fff";
      td.textContent = label(pieceOf(c.ids[0]));
      td.dataset.layer = String(lensLayers[slot]);
      td.dataset.pos = String(t);
      td.dataset.token = String(c.ids[0]);
      td.dataset.p = c.ps[0].toFixed(4);
      td.tabIndex = slot === lensLayers.length - 1 && t === n - 1 ? 0 : -1;
      td.classList.toggle("hit", c.target !== null && c.ids[0] === c.target);
      td.title = lensText(slot, t);
    }
  }
  table.addEventListener("mouseover", e => showLens(e.target.closest("td")));
  table.addEventListener("focusin", e => showLens(e.target.closest("td")));
  table.addEventListener("keydown", e => {
    const td = e.target.closest("td");
    if (!td) return;
    const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    const move = moves[e.key];
    if (!move) return;
    const r = td.parentElement.sectionRowIndex + move[0], c = td.cellIndex + move[1];
    const rows = table.tBodies[0].rows;
    if (r < 0 || r >= rows.length || c < 1 || c > n) return;
    td.tabIndex = -1;
    const next = rows[r].cells[c];
    next.tabIndex = 0;
    next.focus();
    e.preventDefault();
  });
  showLens(table.tBodies[0].rows[0].cells[n]);
}
function lensText(slot, t) {
  const c = lensCell(slot, t);
  let text = `layer ${lensLayers[slot]}, after “${label(raw.tokens[t])}” (position ${t}): ` +
    c.ids.map((id, k) => `${label(pieceOf(id))} ${c.ps[k].toFixed(4)}`).join(", ");
  if (c.target !== null) text += ` · next token “${label(pieceOf(c.target))}”: rank ${c.rank}, log p ${c.logp.toFixed(3)}`;
  return text;
}
function showLens(td) {
  if (!td || td.cellIndex < 1) return;
  document.querySelectorAll("table.lens td.current").forEach(x => x.classList.remove("current"));
  td.classList.add("current");
  const slot = lensLayers.indexOf(Number(td.dataset.layer)), t = Number(td.dataset.pos);
  $("lens-readout").textContent = lensText(slot, t);
}

// ---- keyboard -------------------------------------------------------------------------------
document.addEventListener("keydown", e => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const tag = e.target.tagName;
  if (tag === "SELECT" || tag === "INPUT" || e.target.getAttribute("role") === "tab") return;
  if (state.tab !== "attention") return;
  const step = (value, by, count) => (value + by + count) % count;
  let handled = true;
  switch (e.key) {
    case "j": state.layer = step(state.layer, -1, layers.length); break;
    case "k": state.layer = step(state.layer, 1, layers.length); break;
    case "h": state.head = step(state.head, -1, H); break;
    case "l": state.head = step(state.head, 1, H); break;
    case "1": state.mode = "attention"; break;
    case "2": state.mode = "ssm"; break;
    case "3": state.mode = "difference"; break;
    case "m": state.expandMeta = !state.expandMeta; break;
    case "ArrowLeft": state.query = Math.max(0, state.query - 1); state.pinned = true; break;
    case "ArrowRight": state.query = Math.min(n - 1, state.query + 1); state.pinned = true; break;
    case "Escape": state.pinned = false; break;
    default: handled = false;
  }
  if (!handled) return;
  e.preventDefault();
  render();
  if (e.key.startsWith("Arrow") && tokensBox.contains(document.activeElement)) chips[M + state.query].focus();
});

// ---- render ---------------------------------------------------------------------------------
function render() {
  layerSelect.value = String(state.layer);
  headSelect.value = String(state.head);
  modeButtons.forEach(b => b.setAttribute("aria-checked", String(b.dataset.mode === state.mode)));
  $("expand-meta").checked = state.expandMeta;
  $("sqrt-scale").checked = state.sqrt;
  renderTokens();
  renderReadout();
  renderMap(null);
}
render();

window.hymbaView = {
  format: raw.format, metaCount: M, heads: H, tokens: raw.tokens, layers: layers.map(l => l.index),
  state: () => ({ ...state, layer: layers[state.layer].index }),
  /** Where the heatmap's cells are inside the canvas, in CSS pixels: column c, row i at (left + c·cell, i·cell). */
  mapGeometry: () => ({ left, cell, columns: mapColumns() }),
  weight: (layerIndex, head, mode, query, key) => weight(layers[raw.layers.findIndex(l => l.index === layerIndex)], head, mode, query, key),
};
})();
"""#
}
