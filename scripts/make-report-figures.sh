#!/bin/sh
# Regenerates figures/report/ — index.html, summary.json and every analysis figure and table —
# by running `hymba-lens report` with a release build on the bundled model (models/hymba-tiny)
# and the bundled domain prompt sets (analyses/domains/{article,math,code}.txt).
# docs/analyses.md explains every figure and number; keep the two in step.
#
#   scripts/make-report-figures.sh                       # build in .build, write figures/report/
#   SCRATCH=.build-ana scripts/make-report-figures.sh    # another scratch folder
#   scripts/make-report-figures.sh --roles-passages all  # extra arguments go to `report`
set -eu

cd "$(dirname "$0")/.."
scratch=${SCRATCH:-.build}
swift build -c release --scratch-path "$scratch" --product hymba-lens

# Run from the repository root so the report names models/ and analyses/ by relative paths.
echo "+ hymba-lens report --out figures/report $*"
"$scratch/release/hymba-lens" report --out figures/report "$@"
du -sh figures/report
