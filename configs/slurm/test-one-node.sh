#!/usr/bin/env bash
# The Slurm path, end to end on this machine: installs Debian's slurm-wlm and munge, starts a
# one-node cluster (munged, slurmctld, slurmd, all stopped on exit), submits
# configs/slurm/run-shards.sbatch as a 3-task job array over a small batch (configs/slurm/
# test-sweep.yaml and configs/ci/iris.yaml: five experiments, one of them encrypted), waits,
# runs `lockstep report` on the shared results folder, and checks that
#   - every experiment of the batch ran exactly once across the shards (shard logs),
#   - every experiment folder is complete, and `report` read all of them,
#   - the results equal a local run of the same batch: accuracies, predictions per sample and
#     mismatch counts (timings differ, and the encrypted run uses fresh keys, so latencies
#     and key sizes are not compared).
# Run as root (it installs packages and starts daemons); takes a few minutes plus the
# release build. Not part of .ci/run: the daemons and the release build would double CI's time.
#
#   bash configs/slurm/test-one-node.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
repository="$PWD"

if ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi
bash .ci/install
swift build -c release --product lockstep
lockstep="$repository/.build/release/lockstep"

work="$(mktemp -d /tmp/lockstep-slurm-XXXXXX)"
chmod 755 "$work"   # munged runs as the munge user and must reach its folder
pids=()
cleanup() {
    scancel --user root >/dev/null 2>&1 || true
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

# munge: the cluster's authentication, with its own key and socket in the work folder.
mkdir -p "$work/munge"
chown munge:munge "$work/munge"
chmod 755 "$work/munge"   # munged wants its socket folder reachable by every user
runuser -u munge -- /usr/sbin/mungekey --create --keyfile="$work/munge/munge.key"
runuser -u munge -- /usr/sbin/munged --foreground --key-file="$work/munge/munge.key" \
    --socket="$work/munge/munge.socket" --pid-file="$work/munge/munged.pid" \
    --log-file="$work/munge/munged.log" --seed-file="$work/munge/munged.seed" >"$work/munged.out" 2>&1 &
pids+=($!)

# One node with this machine's cores and memory; everything as root, no accounting.
host="$(hostname -s)"
cores="$(nproc)"
memory_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
mkdir -p "$work/spool/ctld" "$work/spool/d"
cat >"$work/slurm.conf" <<EOF
ClusterName=lockstep-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.socket
CredType=cred/munge
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$work/spool/ctld
SlurmdSpoolDir=$work/spool/d
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$cores RealMemory=$memory_mb State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$work/slurm.conf"
/usr/sbin/slurmctld -D -f "$SLURM_CONF" >"$work/slurmctld.out" 2>&1 &
pids+=($!)
/usr/sbin/slurmd -D -f "$SLURM_CONF" >"$work/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 60); do
    if sinfo --noheader --states=idle 2>/dev/null | grep -q test; then break; fi
    sleep 1
done
sinfo --noheader --states=idle | grep -q test || { echo "the node did not come up; see $work/*.log"; exit 1; }

batch=(configs/slurm/test-sweep.yaml configs/ci/iris.yaml)
echo "== slurm: 3-task array over ${batch[*]}"
sbatch --wait --array=1-3 --chdir="$repository" --output="$work/shard-%a.log" \
    configs/slurm/run-shards.sbatch --results "$work/slurm-results" "${batch[@]}"
for log in "$work"/shard-*.log; do echo "$(basename "$log"): $(tail -n 1 "$log")"; done
echo "== local run of the same batch"
"$lockstep" run --results "$work/local-results" "${batch[@]}" >"$work/local.log" 2>&1
echo "== report on the shared results folder"
: >"$work/paper.md"
"$lockstep" report "$work/slurm-results" --paper "$work/paper.md" >"$work/report.log"

python3 - "$work" <<'PYTHON'
import csv, glob, os, re, sys
work = sys.argv[1]
local = sorted(os.listdir(f"{work}/local-results"))
local = [n for n in local if os.path.isfile(f"{work}/local-results/{n}/summary.csv")]
problems = []
# Ran exactly once: each experiment's "[i/n] NAME (" line appears in exactly one shard log.
started = {}
for log in sorted(glob.glob(f"{work}/shard-*.log")):
    for line in open(log):
        match = re.match(r"\[\d+/\d+\] (\S+) \(", line)
        if match:
            started.setdefault(match.group(1), []).append(os.path.basename(log))
for name in local:
    if len(started.get(name, [])) != 1:
        problems.append(f"{name} ran in {started.get(name, [])} (expected exactly one shard)")
for name in started:
    if name not in local:
        problems.append(f"{name} ran on Slurm but not locally")

def rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))
# Columns that depend on time or the machine's load (latencies, seconds): everything else of
# summary.csv and samples.csv must be equal.
volatile = re.compile(r"(_s$|_s_|_ms_|latency|keygen)")
for name in local:
    for file in ("summary.csv", "samples.csv"):
        a = rows(f"{work}/local-results/{name}/{file}")
        b_path = f"{work}/slurm-results/{name}/{file}"
        if not os.path.exists(b_path):
            problems.append(f"{name}/{file} missing from the Slurm results")
            continue
        b = rows(b_path)
        if len(a) != len(b):
            problems.append(f"{name}/{file}: {len(a)} local rows, {len(b)} on Slurm")
            continue
        for index, (x, y) in enumerate(zip(a, b)):
            for column in x:
                if volatile.search(column):
                    continue
                if x[column] != y.get(column):
                    problems.append(f"{name}/{file} row {index} {column}: local {x[column]!r}, Slurm {y.get(column)!r}")
                    break
reported = sorted(row["experiment"] for row in rows(f"{work}/slurm-results/tables/accuracy.csv"))
if reported != local:
    problems.append(f"report's accuracy table lists {reported}, expected {local}")
print(f"{len(local)} experiments, each run once across 3 shards: "
      + ", ".join(f"{n} ({started.get(n, ['-'])[0]})" for n in local))
if problems:
    print("\n".join("PROBLEM: " + p for p in problems))
    sys.exit(1)
print("Slurm results equal the local run (accuracies, per-sample predictions, mismatches); report read every experiment")
PYTHON
