#!/usr/bin/env bash
# Lockstep's KS+PBS against Concrete's marginal table lookup, side by side: the same machine,
# the same core (taskset), alternating tool by tool and round by round, P = 2 … 7 bits at
# p_error 2^-40. concrete-python comes from PyPI into a throwaway virtualenv (benchmark-only;
# Lockstep never depends on it). Writes results/bench/side-by-side.ndjson (one line per tool,
# set and round, with the context: CPU, commit, versions) and side-by-side.md (medians over
# the rounds and the ratio Lockstep / Concrete). Run from anywhere, as root or a user who can
# create a virtualenv:
#     bash results/bench/side-by-side.sh [ROUNDS] [BITS...]      (default: 3 rounds, 2 … 7)
# Lockstep's `concrete-p40-bP` sets are Concrete's published 2^-40 sets for P bits; Concrete
# picks its own parameters for the circuit, recorded in its lines as far as it reports them.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-3}"
shift || true
bits=("$@")
[ ${#bits[@]} -gt 0 ] || bits=(2 3 4 5 6 7)
core="${LOCKSTEP_BENCH_CORE:-1}"

swift build -c release --product lockstep
venv="$(mktemp -d /tmp/concrete-venv-XXXXXX)"
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
# concrete-python 2.11 still imports pkg_resources, which setuptools 81 removed.
"$venv/bin/pip" install -q concrete-python "setuptools<81"
concrete_version="$("$venv/bin/pip" show concrete-python | awk '/^Version/ {print $2}')"
context="{\"cpu\": \"$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)\", \"cores\": $(nproc), \"pinned_core\": $core, \"commit\": \"$(git rev-parse --short=12 HEAD)$(git diff --quiet || echo -dirty)\", \"concrete_python\": \"$concrete_version\", \"schema\": 1}"

temporary="$(mktemp results/bench/.side-by-side.ndjson.XXXXXX)"
trap 'rm -rf "$venv" "$temporary"' EXIT
for round in $(seq "$rounds"); do
    for p in "${bits[@]}"; do
        lockstep_line="$(taskset -c "$core" .build/release/lockstep bench pbs --params "concrete-p40-b$p" --runs 20 --threads 1 --format json)"
        echo "{\"round\": $round, \"context\": $context, \"lockstep\": $lockstep_line}" >>"$temporary"
        concrete_line="$(taskset -c "$core" "$venv/bin/python" -W ignore results/bench/concrete_tlu.py "$p" 8 10)"
        echo "{\"round\": $round, \"context\": $context, \"concrete\": $concrete_line}" >>"$temporary"
        echo "round $round, $p bits: done" >&2
    done
done
mv "$temporary" results/bench/side-by-side.ndjson

python3 - <<'PYTHON' >results/bench/side-by-side.md
import json, statistics
lines = [json.loads(line) for line in open("results/bench/side-by-side.ndjson")]
context = lines[0]["context"]
lockstep, concrete = {}, {}
for line in lines:
    if "lockstep" in line:
        lockstep.setdefault(line["lockstep"]["precision"], []).append(line["lockstep"]["median_ms"])
    else:
        concrete.setdefault(line["concrete"]["precision"], []).append(line["concrete"]["marginal_tlu_ms"])
print(f"# Lockstep KS+PBS vs Concrete's marginal table lookup, side by side\n")
print(f"One run of `results/bench/side-by-side.sh`: {context['cpu']}, pinned to core {context['pinned_core']} of "
      f"{context['cores']}, commit {context['commit']}, concrete-python {context['concrete_python']}, "
      f"{len(next(iter(lockstep.values())))} alternating rounds; medians over the rounds.\n")
print("| bits | Lockstep KS+PBS (ms) | Concrete marginal TLU (ms) | Lockstep / Concrete |")
print("|---|---|---|---|")
for p in sorted(lockstep):
    a, b = statistics.median(lockstep[p]), statistics.median(concrete[p])
    print(f"| {p} | {a:.1f} | {b:.1f} | {a / b:.2f} |")
PYTHON
trap - EXIT
rm -rf "$venv"
cat results/bench/side-by-side.md
