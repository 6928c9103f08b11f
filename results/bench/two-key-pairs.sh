#!/usr/bin/env bash
# One key pair against two, side by side: `encrypted-mnist-padding-bit` planned by two builds,
# ONE_PAIR_BIN (planner limited to one key pair, e.g. a release build of a commit before
# two-key-pair plans) and TWO_PAIR_BIN (default: this checkout's release build), on the same
# seeded test samples, alternating round by round, fresh keys each run. The committed run's
# float model is reused, so no run trains. Prints one line per run; its output on 2026-12-01 is
# results/bench/two-key-pairs.md.
#     ONE_PAIR_BIN=/path/to/lockstep bash results/bench/two-key-pairs.sh [ROUNDS] [SAMPLES]   (default 2, 2)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-2}"
samples="${2:-2}"
: "${ONE_PAIR_BIN:?set ONE_PAIR_BIN to a lockstep release binary that plans with one key pair}"
swift build -c release --product lockstep
two_pair_bin="${TWO_PAIR_BIN:-$PWD/.build/release/lockstep}"
work="$(mktemp -d /tmp/lockstep-two-key-pairs-XXXXXX)"
trap 'rm -rf "$work"' EXIT
config="$work/config.yaml"
printf 'base: %s\nfhe: {samples: %s, p_error: 2^-40, parameters: auto, threads: 2}\n' \
    "$PWD/configs/experiments/encrypted-mnist-padding-bit.yaml" "$samples" >"$config"
for round in $(seq "$rounds"); do
    for side in one-pair two-pair; do
        bin="$ONE_PAIR_BIN"; [ "$side" = two-pair ] && bin="$two_pair_bin"
        out="$work/$side-$round"
        mkdir -p "$out" && cp -r results/encrypted-mnist-padding-bit "$out/"
        "$bin" run "$config" --results "$out" >"$out.log" 2>&1
        python3 - "$out/encrypted-mnist-padding-bit" "$side" "$round" <<'PYTHON'
import csv, json, sys
folder, side, round_ = sys.argv[1:]
row = next(csv.DictReader(open(folder + "/summary.csv")))
fhe = json.load(open(folder + "/manifest.json"))["fhe"]
print(f"{side} round {round_}: {row['fhe_samples']} samples, {row['fhe_mismatches']} mismatches, "
      f"median {float(row['fhe_latency_ms_median']) / 1000:.1f} s, {row['pbs_per_sample']} PBS/sample, "
      f"rounding set {fhe['parameters']['name']}, keygen {row['keygen_s']} s")
PYTHON
    done
done
