#!/usr/bin/env bash
# Regenerates results/bench/rounding.jsonl: exact rounding of one encrypted value, one bit per
# KS→PBS (Concrete's scheme, --group-bits 1) against Lockstep's groups (two KS→PBS per group
# of up to precision + 1 bits), same parameter set, same keys' sizes, alternating in one run
# on one thread (3 rounds per case), so both schemes see the same machine conditions.
# Cases: (set, held bits, removed bits) = (concrete-p40-b3, 8, 4), (concrete-p40-b4, 10, 6)
# and the encrypted-mnist hidden layer (concrete-p40-b6-pbs14x2, 11, 5). Run from anywhere:
#     bash results/bench/rounding.sh
# The file is replaced only when every case finished; the console copy goes to rounding.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product lockstep
temporary=$(mktemp results/bench/.rounding.jsonl.XXXXXX)
trap 'rm -f "$temporary"' EXIT
for case in "concrete-p40-b3 8 4" "concrete-p40-b4 10 6" "concrete-p40-b6-pbs14x2 11 5"; do
    read -r params held shift <<<"$case"
    for round in 1 2 3; do
        for groups in 1 default; do
            flag=()
            [ "$groups" = 1 ] && flag=(--group-bits 1)
            .build/release/lockstep bench round --params "$params" --held-bits "$held" --shift "$shift" \
                "${flag[@]}" --runs 10 --threads 1 --format json >>"$temporary"
        done
    done
done
chmod 644 "$temporary"
mv "$temporary" results/bench/rounding.jsonl
trap - EXIT
