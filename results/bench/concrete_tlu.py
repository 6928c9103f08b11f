"""Concrete's marginal table-lookup cost at P bits and p_error 2^-40 on one core.

Benchmark-only (run by side-by-side.sh inside a throwaway virtualenv; never a dependency of
Lockstep). Two circuits apply the same P-bit table to a vector of 1 and of 1 + K encrypted
values: K independent lookups, which Concrete cannot fuse. The marginal cost of one lookup
(its keyswitch and bootstrap) is (T(1 + K) − T(1)) / K, with T the median time of
`circuit.run` alone (no encryption or decryption). Parallelism is switched off so one core
does the work. Prints one JSON object.
"""
import json
import statistics
import sys
import time

import numpy as np
from concrete import fhe

bits, extra, runs = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
size = 1 << bits
table = fhe.LookupTable([(3 * i + 1) % size for i in range(size)])
configuration = fhe.Configuration(
    p_error=2**-40, loop_parallelize=False, dataflow_parallelize=False, auto_parallelize=False,
    show_progress=False, use_insecure_key_cache=False)


def median_run_seconds(count):
    @fhe.compiler({"x": "encrypted"})
    def lookups(x):
        return table[x]

    inputset = [np.array([(j + i) % size for j in range(count)]) for i in range(size)]
    circuit = lookups.compile(inputset, configuration)
    circuit.keygen()
    sample = np.array([j % size for j in range(count)])
    encrypted = circuit.encrypt(sample)
    result = circuit.run(encrypted)  # warm-up, and the answer is checked
    expected = [(3 * int(v) + 1) % size for v in sample]
    assert list(np.atleast_1d(circuit.decrypt(result))) == expected, "Concrete returned a wrong table output"
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        circuit.run(encrypted)
        times.append(time.perf_counter() - start)
    return statistics.median(times), circuit


single, _ = median_run_seconds(1)
many, circuit = median_run_seconds(1 + extra)
print(json.dumps({
    "tool": "concrete-python", "version": fhe.__version__, "precision": bits, "p_error_target": 2**-40,
    "lookups_extra": extra, "runs": runs, "median_run_ms_1": single * 1e3, "median_run_ms_many": many * 1e3,
    "marginal_tlu_ms": (many - single) / extra * 1e3,
    "pbs_count": circuit.programmable_bootstrap_count, "global_p_error": circuit.global_p_error,
}))
