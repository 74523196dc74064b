#!/usr/bin/env python3
"""Opens a `hymba-lens view` page in headless Chromium and checks what it shows against a
`hymba-lens trace` recording of the same prompt, read here with numpy (not through the page):

  - the page loads with no console error, no script error and no request beyond its own file;
  - hovering a token makes it the query: every key's shown weight equals the recorded
    attention row (p), the SSM row (|alpha| / sum |alpha|) or their difference, to the page's
    precision; keys after the query and outside a sliding window are marked, and recorded as 0;
  - the meta-token chip and the meta share are the sums over the meta keys;
  - switching layer, head and map (with the pickers, the mode buttons and the keys h/l, 1/2/3)
    changes the weights to the new head's recorded ones; expanding the meta tokens shows M chips;
  - hovering the heatmap shows the recorded value of the cell under the mouse;
  - the logit-lens tab names, in every cell, the top-1 token of the lens computed here from the
    recorded residual stream and the model's weight file, with its probability.

It builds nothing itself. Needs Debian's `chromium`, PyPI's `playwright` and `numpy`:

    apt-get install -y chromium && pip install playwright numpy
    hymba-lens trace models/hymba-tiny --text-file P --record attn_probs,ssm_attn,hidden --out rec.safetensors
    hymba-lens view models/hymba-tiny --text-file P --out view.html
    scripts/check-viewer-in-browser.py view.html rec.safetensors shot.png [lens-shot.png]

Exit status 1 on any failed check (each is printed).
"""
import functools
import json
import pathlib
import struct
import sys

import numpy as np
from playwright.sync_api import sync_playwright

# A shown weight has 4 decimals (rounding: 5e-5) of a 16-bit code (1.6e-5 from the float32).
TOLERANCE = 1e-4


def read_safetensors(path):
    """name -> numpy array, for F32, BF16, F16 and I64 tensors (8-byte header length, JSON, data)."""
    data = pathlib.Path(path).read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    body = memoryview(data)[8 + length:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw = body[begin:end]
        dtype = info["dtype"]
        if dtype == "F32":
            array = np.frombuffer(raw, dtype="<f4")
        elif dtype == "F16":
            array = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        elif dtype == "BF16":
            array = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        elif dtype == "I64":
            array = np.frombuffer(raw, dtype="<i8")
        else:
            raise ValueError(f"{path}: tensor {name} has dtype {dtype}")
        tensors[name] = array.reshape(info["shape"])
    return tensors


class Checks:
    def __init__(self):
        self.failures = []
        self.passed = 0

    def expect(self, condition, message):
        if condition:
            self.passed += 1
        else:
            self.failures.append(message)
            print("FAIL:", message)


def expected_row(recording, layer, head, mode, query, meta):
    """The recorded row of prompt token `query` over keys 0 … meta + query, as the page shows it."""
    t = meta + query
    p = recording[f"layers.{layer}.attn_probs"][head, t, : t + 1].astype(np.float64)
    alpha = recording[f"layers.{layer}.ssm_attn"][head, t, : t + 1].astype(np.float64)
    total = np.abs(alpha).sum()
    share = np.abs(alpha) / total if total > 0 else np.zeros_like(alpha)
    return {"attention": p, "ssm": share, "difference": p - share}[mode]


def chips(page):
    return page.eval_on_selector_all(
        ".tok", "els => els.map(e => ({key: e.dataset.key, weight: e.dataset.weight, state: e.dataset.state || '', hidden: e.hidden}))")


def check_row(page, checks, recording, where, layer, head, mode, query, meta, window):
    """Every chip of the current view against the recording; returns the shown weights."""
    row = expected_row(recording, layer, head, mode, query, meta)
    p = recording[f"layers.{layer}.attn_probs"][head, meta + query, : meta + query + 1]
    shown = {}
    for chip in chips(page):
        key = chip["key"]
        if key == "meta":
            if meta:
                value = row[:meta].sum()
                checks.expect(abs(float(chip["weight"]) - value) <= TOLERANCE,
                              f"{where}: meta chip {chip['weight']} vs recorded sum {value:.6f}")
            continue
        u = int(key)
        if u > meta + query:
            checks.expect(chip["state"] == "future" and chip["weight"] == "", f"{where}: key {u} after the query is not marked")
            continue
        hidden_by_window = window is not None and u >= meta and (meta + query) - u > window
        if mode == "attention" and hidden_by_window:
            checks.expect(chip["state"] == "masked", f"{where}: key {u} outside the window is not marked")
            checks.expect(p[u] == 0, f"{where}: key {u} outside the window has recorded weight {p[u]}")
            continue
        checks.expect(chip["weight"] != "", f"{where}: key {u} shows no weight")
        if chip["weight"] == "":
            continue
        shown[u] = float(chip["weight"])
        checks.expect(abs(shown[u] - row[u]) <= TOLERANCE, f"{where}: key {u} shows {chip['weight']}, recorded {row[u]:.6f}")
    share = float(page.get_attribute("#meta-share", "data-value"))
    checks.expect(abs(share - row[:meta].sum()) <= TOLERANCE, f"{where}: meta share {share} vs recorded {row[:meta].sum():.6f}")
    return shown


@functools.lru_cache(maxsize=1)
def output_head(model):
    """The final norm's weight, the LM head (the embedding when tied) and the norm's eps, in float64."""
    config = json.loads((pathlib.Path(model) / "config.json").read_text())
    weights = read_safetensors(pathlib.Path(model) / "model.safetensors")
    unembedding = weights.get("lm_head.weight", weights["model.embed_tokens.weight"]).astype(np.float64)
    return weights["model.final_layernorm.weight"].astype(np.float64), unembedding, config["rms_norm_eps"]


def lens_reference(recording, manifest, layer):
    """The lens's probabilities after `layer` at every prompt token, `[n, vocab]`, in float64."""
    norm, unembedding, eps = output_head(manifest["model"])
    hidden = recording[f"layers.{layer}.hidden"][manifest["meta_tokens"]:].astype(np.float64)
    normed = hidden / np.sqrt((hidden ** 2).mean(-1, keepdims=True) + eps) * norm
    logits = normed @ unembedding.T
    logits -= logits.max(-1, keepdims=True)
    probabilities = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    return probabilities


def main(view, recording_path, screenshot, lens_screenshot=None):
    page_path = pathlib.Path(view).resolve()
    recording = read_safetensors(recording_path)
    manifest = json.loads(pathlib.Path(recording_path).with_suffix(".manifest.json").read_text())
    meta, ids = manifest["meta_tokens"], manifest["tokens"]["ids"]
    n = len(ids)
    config = json.loads((pathlib.Path(manifest["model"]) / "config.json").read_text())
    global_layers = set(config.get("global_attn_idx", []))

    def window_of(layer):
        return None if layer in global_layers or config.get("sliding_window") is None else config["sliding_window"]

    checks = Checks()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors, failed, external = [], [], []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("requestfailed", lambda r: failed.append(r.url))

        def route(r):
            if r.request.url == page_path.as_uri():
                r.continue_()
            else:
                external.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.goto(page_path.as_uri(), wait_until="load")

        view_info = page.evaluate("() => ({layers: hymbaView.layers, heads: hymbaView.heads, meta: hymbaView.metaCount, n: hymbaView.tokens.length})")
        checks.expect(view_info["meta"] == meta and view_info["n"] == n,
                      f"the page shows {view_info['n']} tokens after {view_info['meta']} meta tokens, the recording {n} after {meta}")
        page_layers, heads = view_info["layers"], view_info["heads"]
        sliding = [layer for layer in page_layers if window_of(layer) is not None]

        def select(layer, head, mode):
            page.select_option("#layer", str(page_layers.index(layer)))
            page.select_option("#head", str(head))
            page.click(f'.modes button[data-mode="{mode}"]')

        def hover_token(position):
            page.hover(f'.tok.real[data-pos="{position}"]')

        # 1. Hover tokens: the shown row follows the hovered query and equals the recording.
        first = page_layers[0]
        select(first, 0, "attention")
        hover_token(n - 1)
        last_row = check_row(page, checks, recording, f"layer {first} head 0 attention, query {n - 1}", first, 0, "attention", n - 1, meta, window_of(first))
        hover_token(2)
        early_row = check_row(page, checks, recording, f"layer {first} head 0 attention, query 2", first, 0, "attention", 2, meta, window_of(first))
        checks.expect(early_row != last_row, "hovering another token changed the shown weights")

        # 2. Every layer, head and map at one query (the window matters on sliding layers late in the prompt).
        # The query stays while the pickers change (the mouse leaves the text for the buttons).
        query = n - 1
        hover_token(query)
        for layer in page_layers:
            page.select_option("#layer", str(page_layers.index(layer)))
            for head in range(heads):
                page.select_option("#head", str(head))
                for mode in ("attention", "ssm", "difference"):
                    page.click(f'.modes button[data-mode="{mode}"]')
                    check_row(page, checks, recording, f"layer {layer} head {head} {mode}, query {query}", layer, head, mode, query, meta, window_of(layer))
        if sliding:
            checks.expect(n - 1 > window_of(sliding[0]), f"the prompt ({n} tokens) reaches past the sliding window, so masking was checked")

        # 3. The keys switch head and map; the pickers follow.
        layer = page_layers[-1]
        select(layer, 0, "attention")
        hover_token(query)
        before = check_row(page, checks, recording, "before the key h/l", layer, 0, "attention", query, meta, window_of(layer))
        page.click("h1")  # focus leaves the pickers, so the page's keys apply
        page.keyboard.press("l")
        checks.expect(page.input_value("#head") == str(1 % heads), "key l moved to the next head")
        after = check_row(page, checks, recording, "after the key l", layer, 1 % heads, "attention", query, meta, window_of(layer))
        checks.expect(heads == 1 or before != after, "the next head shows other weights")
        page.keyboard.press("2")
        checks.expect(page.get_attribute('.modes button[data-mode="ssm"]', "aria-checked") == "true", "key 2 chose the SSM map")
        check_row(page, checks, recording, "after the key 2", layer, 1 % heads, "ssm", query, meta, window_of(layer))
        page.keyboard.press("k")
        checks.expect(page.input_value("#layer") == str((len(page_layers) - 1 + 1) % len(page_layers)), "key k moved to the next layer")
        page.keyboard.press("j")

        # 4. Meta tokens one by one.
        page.check("#expand-meta")
        shown_meta = page.eval_on_selector_all(".tok.meta", "els => els.filter(e => !e.hidden && e.offsetParent !== null).length")
        checks.expect(shown_meta == meta, f"expanding shows the {meta} meta chips (saw {shown_meta})")
        page.uncheck("#expand-meta")

        # 5. The heatmap: hover cells, read the tooltip.
        select(layer, 0, "attention")
        geometry = page.evaluate("() => hymbaView.mapGeometry()")
        box = page.locator("#map").bounding_box()
        row = expected_row(recording, layer, 0, "attention", n - 1, meta)
        metaColumns = geometry["columns"] - n
        for i, column in ((n - 1, 0), (n - 1, metaColumns), (n - 1, geometry["columns"] - 1), (n // 2, metaColumns + n // 2)):
            page.mouse.move(box["x"] + geometry["left"] + (column + 0.5) * geometry["cell"], box["y"] + (i + 0.5) * geometry["cell"])
            value = page.get_attribute("#map-tip", "data-value")
            expected = expected_row(recording, layer, 0, "attention", i, meta)
            truth = expected[:meta].sum() if column < metaColumns else expected[meta + column - metaColumns]
            checks.expect(value not in (None, "") and abs(float(value) - truth) <= TOLERANCE,
                          f"heatmap cell ({i}, {column}) shows {value}, recorded {truth:.6f}")
        page.mouse.move(0, 0)

        # A screenshot of a pinned query on a late layer.
        select(page_layers[min(1, len(page_layers) - 1)], 0, "attention")
        page.click(f'.tok.real[data-pos="{n - 1}"]')
        page.screenshot(path=screenshot, full_page=True)

        # 6. The logit lens against numpy.
        page.click("#tab-lens")
        checks.expect(page.is_visible("#lens"), "the lens tab shows its grid")
        for layer in page_layers:
            probabilities = lens_reference(recording, manifest, layer)
            cells = page.eval_on_selector_all(f'table.lens td[data-layer="{layer}"]',
                                              "els => els.map(e => ({pos: +e.dataset.pos, token: +e.dataset.token, p: +e.dataset.p}))")
            checks.expect(len(cells) == n, f"lens layer {layer} has {len(cells)} cells for {n} tokens")
            for cell in cells:
                row = probabilities[cell["pos"]]
                best = int(row.argmax())
                runner_up = np.partition(row, -2)[-2]
                if row[best] - runner_up > 1e-5:
                    checks.expect(cell["token"] == best, f"lens layer {layer} position {cell['pos']}: top-1 {cell['token']}, numpy {best}")
                checks.expect(abs(cell["p"] - row[best]) <= TOLERANCE, f"lens layer {layer} position {cell['pos']}: p {cell['p']} vs {row[best]:.6f}")
        if lens_screenshot:
            page.hover(f'table.lens td[data-layer="{page_layers[-1]}"][data-pos="{n - 1}"]')
            page.screenshot(path=lens_screenshot, full_page=False)
        browser.close()

    checks.expect(not errors, f"console or script errors: {errors}")
    checks.expect(not failed, f"failed requests: {failed}")
    checks.expect(not external, f"requests beyond the page's own file: {external}")
    print(f"{checks.passed} checks passed, {len(checks.failures)} failed; {len(page_layers)} layers × {heads} heads × 3 maps, "
          f"{n} tokens after {meta} meta tokens; screenshot {screenshot}")
    return 1 if checks.failures else 0


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
