#!/bin/sh
# Regenerates the example figures in figures/attention/ from the bundled model (models/hymba-tiny)
# with a release build of hymba-lens. The prompts are in figures/attention/prompts/.
# docs/figures.md explains every figure; keep the two in step.
#
#   scripts/make-attention-figures.sh                  # build in .build, write figures/attention/
#   SCRATCH=.build-fig scripts/make-attention-figures.sh
set -eu

cd "$(dirname "$0")/.."
scratch=${SCRATCH:-.build}
swift build -c release --scratch-path "$scratch" --product hymba-lens
lens="$scratch/release/hymba-lens"

out=figures/attention
prompts=$out/prompts
recordings=$(mktemp -d)
trap 'rm -rf "$recordings"' EXIT INT TERM

run() {
    echo "+ hymba-lens $*"
    "$lens" "$@" --quiet
}

# One attention head with every meta token: layer 1 slides a 64-token window, so late queries
# lose the prompt's start (hatched) but keep the meta tokens.
run attention --text-file $prompts/prose.txt --layer 1 --head 2 --out $out/prose-layer1-head2.png
# The SSM head of the same index: signed implicit attention on a diverging scale.
run attention --text-file $prompts/prose.txt --layer 1 --head 2 --ssm --out $out/prose-layer1-head2-ssm.png
# Snapshot vs fading memory: attention and SSM map of one head, meta tokens as keys only.
run attention --text-file $prompts/code.py --layer 5 --head 0 --side-by-side --meta keys --out $out/code-layer5-head0-side-by-side.png
run attention --text-file $prompts/code.py --layer 5 --head 0 --side-by-side --meta keys --out $out/code-layer5-head0-side-by-side.pdf
# Every head of a layer, attention block above SSM block.
run attention --text-file $prompts/math.txt --layer 0 --grid --side-by-side --out $out/math-layer0-grid.png
run attention --text-file $prompts/math.txt --layer 0 --grid --side-by-side --out $out/math-layer0-grid.svg
# A window of a longer prompt on a power scale (gamma 0.5 lifts faint attention).
run attention --text-file $prompts/code.py --layer 4 --head 0 --meta keys --from 12 --to 48 --norm power \
    --out $out/code-layer4-head0-tokens12-48.png

# From a saved recording, without running the model again.
run trace models/hymba-tiny --text-file $prompts/math.txt --record "attn_probs@3,ssm_attn@3,attn_mass@3,meta_attn_received@3" \
    --out "$recordings/math.safetensors"
run plot "$recordings/math.safetensors" --key layers.3.attn_mass --out $out/math-layer3-attention-mass.png
run plot "$recordings/math.safetensors" --key layers.3.meta_attn_received --out $out/math-layer3-meta-received.png
run plot "$recordings/math.safetensors" --key layers.3.ssm_attn --grid --meta keys --out $out/math-layer3-ssm-heads.png

ls -l $out
