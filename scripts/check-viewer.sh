#!/bin/sh
# The viewer in a real browser: `view` and `trace` on the same prompt with the bundled model,
# then scripts/check-viewer-in-browser.py compares the page in headless Chromium with the
# recording. Uses the hymba-lens already built in .build (debug unless CONFIG=release); .ci/run
# calls it after `swift test`.
#
#   scripts/check-viewer.sh                        # python3 with playwright + numpy on PATH
#   PYTHON=.build/viewer-venv/bin/python scripts/check-viewer.sh
#   SCREENSHOT=/tmp/view.png scripts/check-viewer.sh
set -eu

cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
bin=$(swift build -c "${CONFIG:-debug}" --show-bin-path)
lens="$bin/hymba-lens"
[ -x "$lens" ] || { echo "check-viewer: $lens is not built (run swift build or swift test first)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
# 79 tokens: longer than the 64-token window of the sliding layers, so the masked keys are checked too.
prompt=figures/attention/prompts/prose.txt
"$lens" trace models/hymba-tiny --text-file "$prompt" --record attn_probs,ssm_attn,hidden --out "$work/rec.safetensors" --quiet
"$lens" view models/hymba-tiny --text-file "$prompt" --out "$work/view.html" --quiet
"$python" scripts/check-viewer-in-browser.py "$work/view.html" "$work/rec.safetensors" "${SCREENSHOT:-$work/view.png}"
