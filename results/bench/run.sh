#!/usr/bin/env bash
# Regenerates results/bench/pbs.jsonl: single-thread KS+PBS latency (20 timed runs after 3
# warm-ups, with the FFTW floor of one blind rotation) of concrete-p40-b2 … concrete-p40-b6,
# one `lockstep bench --format json` line per set. Run from anywhere:
#     bash results/bench/run.sh
# then `.build/release/lockstep report results --paper paper/paper.md` redraws
# results/tables/latency-vs-precision.svg. The file is replaced only when every set finished.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product lockstep
temporary=$(mktemp results/bench/.pbs.jsonl.XXXXXX)
trap 'rm -f "$temporary"' EXIT
for bits in 2 3 4 5 6; do
    .build/release/lockstep bench pbs --params "concrete-p40-b$bits" --runs 20 --threads 1 --format json >>"$temporary"
done
mv "$temporary" results/bench/pbs.jsonl
trap - EXIT
