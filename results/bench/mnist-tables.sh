#!/usr/bin/env bash
# The two exact MNIST networks side by side: `encrypted-mnist` (6-bit tables, N = 8192) and
# `encrypted-mnist-padding-bit` (5-bit tables read with the padding bit, N = 4096), the same
# 784→128→10 network and the same seeded test samples, alternating round by round on this
# machine, fresh keys each run. Writes results/bench/mnist-tables.ndjson (one line per
# network, round and sample: latency, plan, context) and mnist-tables.md (medians and the
# ratio). Run from anywhere:
#     bash results/bench/mnist-tables.sh [ROUNDS] [SAMPLES_PER_RUN]      (default: 2 rounds, 2 samples)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-2}"
samples="${2:-2}"
swift build -c release --product lockstep
work="$(mktemp -d /tmp/lockstep-mnist-tables-XXXXXX)"
trap 'rm -rf "$work"' EXIT
# The committed runs' float models are reused (same fingerprint), so no run trains.
mkdir -p "$work/results" "$work/configs"
for name in encrypted-mnist encrypted-mnist-padding-bit; do
    cp -r "results/$name" "$work/results/"
done
context="{\"cpu\": \"$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)\", \"cores\": $(nproc), \"commit\": \"$(git rev-parse --short=12 HEAD)$(git diff --quiet || echo -dirty)\", \"schema\": 1}"
temporary="$(mktemp results/bench/.mnist-tables.ndjson.XXXXXX)"
trap 'rm -rf "$work" "$temporary"' EXIT
for round in $(seq "$rounds"); do
    for name in encrypted-mnist encrypted-mnist-padding-bit; do
        config="$work/configs/$name-r$round.yaml"
        printf 'base: %s\nname: %s-r%s\nfhe: {samples: %s, p_error: 2^-40, parameters: auto, threads: 2}\n' \
            "$PWD/configs/experiments/$name.yaml" "$name" "$round" "$samples" >"$config"
        .build/release/lockstep run "$config" --results "$work/results" >"$work/$name-r$round.log" 2>&1
        python3 - "$work/results/$name-r$round/manifest.json" "$name" "$round" "$context" >>"$temporary" <<'PYTHON'
import json, sys
manifest, name, round_, context = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
m = json.load(open(manifest))
fhe = m["fhe"]
assert fhe["mismatchedSamples"] == 0, f"{name} round {round_}: {fhe['mismatchedSamples']} mismatched samples"
tables = [l["tableParameters"]["name"] for l in fhe.get("layers", []) if l.get("tableParameters")]
for k, seconds in enumerate(fhe["latencySeconds"]):
    print(json.dumps({"round": round_, "network": name, "sample": k, "latency_s": seconds,
                      "parameters": fhe["parameters"]["name"], "table_parameters": tables,
                      "polynomial_size": fhe["parameters"]["polynomialSize"]["rawValue"],
                      "keygen_s": fhe["keygenSeconds"], "commit_of_run": m["environment"]["gitCommit"][:12],
                      "context": context}))
PYTHON
        echo "round $round, $name: done" >&2
    done
done
mv "$temporary" results/bench/mnist-tables.ndjson

python3 - <<'PYTHON' >results/bench/mnist-tables.md
import json, statistics
lines = [json.loads(line) for line in open("results/bench/mnist-tables.ndjson")]
context = lines[0]["context"]
by = {}
for line in lines:
    by.setdefault(line["network"], []).append(line)
rounds = max(line["round"] for line in lines)
print("# The exact MNIST networks side by side: 6-bit tables against 5-bit tables with the padding bit\n")
print(f"One run of `results/bench/mnist-tables.sh`: {context['cpu']}, {context['cores']} cores, 2 threads per run, "
      f"commit {context['commit']}, {rounds} alternating rounds, the same seeded test samples in every run, "
      f"fresh keys per run; every sample bit-exact.\n")
print("| network | parameters (N) | tables on | samples | median latency (s) | keygen median (s) |")
print("|---|---|---|---|---|---|")
medians = {}
for name, rows in by.items():
    medians[name] = statistics.median(r["latency_s"] for r in rows)
    print(f"| `{name}` | {rows[0]['parameters']} ({rows[0]['polynomial_size']}) | {', '.join(rows[0]['table_parameters']) or 'the same key'} "
          f"| {len(rows)} | {medians[name]:.1f} | {statistics.median(r['keygen_s'] for r in rows):.1f} |")
a, b = medians["encrypted-mnist-padding-bit"], medians["encrypted-mnist"]
print(f"\nPadding-bit network / 6-bit network, median latency: {a / b:.2f}.")
PYTHON
trap - EXIT
rm -rf "$work"
cat results/bench/mnist-tables.md
