#!/usr/bin/env bash
# Copies the reference fixtures the tests use from the upstream fixture folder (default:
# ../shared beside the repository) into Tests/Fixtures and models/configs.
# FixtureCopyTests fails while the copies and the upstream folder differ.
set -euo pipefail
cd "$(dirname "$0")/.."
upstream="${1:-../shared}"
[ -d "$upstream/fixtures" ] || { echo "no fixtures folder at $upstream/fixtures" >&2; exit 1; }
for part in parity tokenizer decode chat; do
    rm -rf "Tests/Fixtures/$part"
    cp -R "$upstream/fixtures/$part" "Tests/Fixtures/$part"
done
mkdir -p models/configs
cp "$upstream/fixtures/configs/hymba-1.5b-base.json" models/configs/
chmod -R u+w Tests/Fixtures models/configs
echo "copied parity, tokenizer, decode and chat into Tests/Fixtures, and the 1.5B config into models/configs"
