#!/bin/sh
# Regenerates figures/methods/ from the bundled model (models/hymba-tiny): the logit-lens figure
# of the math prompt, and the viewer page of the prose prompt with two screenshots of it taken in
# headless Chromium by scripts/check-viewer-in-browser.py (which checks the page against a trace
# of the same prompt on the way; it needs chromium, playwright and numpy, see that script).
# docs/methods.md explains every figure; keep the two in step.
#
#   scripts/make-methods-figures.sh                 # release build in .build
#   CONFIG=debug scripts/make-methods-figures.sh    # the debug build `swift test` made
#   PYTHON=.build/ci-viewer-venv/bin/python scripts/make-methods-figures.sh
set -eu

cd "$(dirname "$0")/.."
config=${CONFIG:-release}
python=${PYTHON:-python3}
swift build -c "$config" --product hymba-lens
lens="$(swift build -c "$config" --show-bin-path)/hymba-lens"

out=figures/methods
prompts=figures/attention/prompts
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

run() {
    echo "+ hymba-lens $*"
    "$lens" "$@" --quiet
}

# The logit lens on the second line of the math prompt ("Subtract 9 from both sides: 4x = 28."):
# each layer's top-1 next token, the next prompt token's rank, and its log-probability by layer
# after "▁both" (→ "▁sides") and after "8" (→ ".").
run lens --text-file $prompts/math.txt --positions 17-34 --next --rank --line-positions 24,33 --out $out/lens-math.png
run lens --text-file $prompts/math.txt --positions 17-34 --next --rank --line-positions 24,33 --out $out/lens-math.svg

# The viewer on the prose prompt (79 tokens: the sliding layers' 64-token window shows), checked
# and photographed in the browser.
run view --text-file $prompts/prose.txt --out $out/view-prose.html
run trace models/hymba-tiny --text-file $prompts/prose.txt --record attn_probs,ssm_attn,hidden --out "$work/prose.safetensors"
"$python" scripts/check-viewer-in-browser.py $out/view-prose.html "$work/prose.safetensors" \
    $out/view-prose-attention.png $out/view-prose-lens.png

ls -l $out
