#!/usr/bin/env python3
"""Writes the small .onnx fixtures of Tests/ModelImportTests and expected.json.

Run from anywhere, in a throwaway venv:
    python3 -m venv /tmp/onnx-venv && /tmp/onnx-venv/bin/pip install onnx numpy
    /tmp/onnx-venv/bin/python Tests/ModelImportTests/Fixtures/make_fixtures.py

The graphs use the node patterns torch.onnx.export emits for MLPs and small CNNs (Gemm with
transB=1, MatMul followed by Add, Conv with symmetric pads, Flatten, a Reshape whose shape is a
Constant), with seeded random weights. expected.json holds, per good fixture, a few input
vectors and the outputs onnx's reference evaluator computes for them, which the Swift tests
compare with the imported Network's float forward pass. The bad fixtures are the graphs the
importer must refuse, each with the error kind it must give.
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(13)
OPSET = [helper.make_opsetid("", 17)]


def weights(name, *shape, dtype=np.float32):
    return numpy_helper.from_array((rng.standard_normal(shape) * 0.5).astype(dtype), name)


def model(name, nodes, input_shape, output_shape, initializers):
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch"] + list(input_shape))],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch"] + list(output_shape))],
        initializers)
    m = helper.make_model(graph, opset_imports=OPSET, producer_name="lockstep-fixtures")
    m.ir_version = 8
    return m


def save(m, name, check=True):
    if check:
        onnx.checker.check_model(m)
    path = os.path.join(HERE, name + ".onnx")
    onnx.save(m, path)
    return path


expected = {"good": {}, "bad": {}}


def good(m, name, input_shape, softmax=False):
    save(m, name)
    inputs = rng.uniform(0, 1, size=(3,) + tuple(input_shape)).astype(np.float32)
    outputs = ReferenceEvaluator(m).run(None, {"input": inputs})[0]
    expected["good"][name] = {
        "inputs": inputs.reshape(3, -1).tolist(),
        "outputs": outputs.reshape(3, -1).tolist(),
        "softmax": softmax,
    }


def bad(m, name, kind, node, check=True):
    """`node` is the name of the node the error must name (its op is read from the graph)."""
    save(m, name, check)
    op = next(n.op_type for n in m.graph.node if n.name == node)
    expected["bad"][name] = {"kind": kind, "node": node, "op": op}


# Gemm + Relu + Gemm, as torch exports nn.Linear (transB=1).
good(model("mlp_gemm", [
    helper.make_node("Gemm", ["input", "w1", "b1"], ["h"], name="/fc1/Gemm", transB=1, alpha=1.0, beta=1.0),
    helper.make_node("Relu", ["h"], ["a"], name="/relu/Relu"),
    helper.make_node("Gemm", ["a", "w2", "b2"], ["output"], name="/fc2/Gemm", transB=1),
], [6], [3], [weights("w1", 5, 6), weights("b1", 5), weights("w2", 3, 5), weights("b2", 3)]), "mlp_gemm", [6])

# MatMul + Add (torch's pattern for a Linear on a 3-D input), Sigmoid, then a Gemm with transB=0.
good(model("mlp_matmul", [
    helper.make_node("MatMul", ["input", "w1"], ["m"], name="/fc1/MatMul"),
    helper.make_node("Add", ["b1", "m"], ["h"], name="/fc1/Add"),
    helper.make_node("Sigmoid", ["h"], ["a"], name="/sigmoid/Sigmoid"),
    helper.make_node("Gemm", ["a", "w2", "b2"], ["output"], name="/fc2/Gemm"),
], [6], [3], [weights("w1", 6, 4), weights("b1", 4), weights("w2", 4, 3), weights("b2", 1, 3)]), "mlp_matmul", [6])

# Tanh hidden layer, MatMul + Add logits, a final Softmax (dropped by the importer).
good(model("mlp_tanh", [
    helper.make_node("Gemm", ["input", "w1", "b1"], ["h"], name="/fc1/Gemm", transB=1),
    helper.make_node("Tanh", ["h"], ["a"], name="/tanh/Tanh"),
    helper.make_node("MatMul", ["a", "w2"], ["m"], name="/fc2/MatMul"),
    helper.make_node("Add", ["m", "b2"], ["logits"], name="/fc2/Add"),
    helper.make_node("Softmax", ["logits"], ["output"], name="/softmax/Softmax", axis=1),
], [6], [3], [weights("w1", 4, 6), weights("b1", 4), weights("w2", 4, 3), weights("b2", 3)]), "mlp_tanh", [6], softmax=True)

# Conv + Relu + AveragePool + Flatten + Gemm: the pool belongs to the dense layer that reads it.
good(model("cnn", [
    helper.make_node("Conv", ["input", "cw", "cb"], ["c"], name="/conv/Conv",
                     kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1], dilations=[1, 1], group=1),
    helper.make_node("Relu", ["c"], ["r"], name="/relu/Relu"),
    helper.make_node("AveragePool", ["r"], ["p"], name="/pool/AveragePool", kernel_shape=[2, 2], strides=[2, 2],
                     pads=[0, 0, 0, 0], ceil_mode=0),
    helper.make_node("Flatten", ["p"], ["f"], name="/flatten/Flatten", axis=1),
    helper.make_node("Gemm", ["f", "w", "b"], ["output"], name="/fc/Gemm", transB=1),
], [1, 6, 6], [3], [weights("cw", 2, 1, 3, 3), weights("cb", 2), weights("w", 3, 18), weights("b", 3)]), "cnn", [1, 6, 6])

# Strided conv with its bias as an Add, a pool before a second conv, and a Reshape whose shape is
# a Constant node: torch's x.reshape(-1, n) with a fixed n.
good(model("cnn_strided", [
    helper.make_node("Conv", ["input", "cw1"], ["c1"], name="/conv1/Conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2]),
    helper.make_node("Add", ["c1", "cb1"], ["d1"], name="/conv1/Add"),
    helper.make_node("Tanh", ["d1"], ["a1"], name="/tanh/Tanh"),
    helper.make_node("AveragePool", ["a1"], ["p1"], name="/pool/AveragePool", kernel_shape=[2, 2], strides=[2, 2]),
    helper.make_node("Conv", ["p1", "cw2", "cb2"], ["c2"], name="/conv2/Conv", kernel_shape=[2, 2]),
    helper.make_node("Sigmoid", ["c2"], ["a2"], name="/sigmoid/Sigmoid"),
    helper.make_node("Constant", [], ["shape"], name="/Constant", value=numpy_helper.from_array(np.array([-1, 4], dtype=np.int64))),
    helper.make_node("Reshape", ["a2", "shape"], ["f"], name="/Reshape"),
    helper.make_node("Gemm", ["f", "w", "b"], ["output"], name="/fc/Gemm", transB=1),
], [2, 8, 8], [3], [weights("cw1", 3, 2, 3, 3), weights("cb1", 1, 3, 1, 1), weights("cw2", 4, 3, 2, 2), weights("cb2", 4),
                    weights("w", 3, 4), weights("b", 3)]), "cnn_strided", [2, 8, 8])

# --- Graphs the importer must refuse, with the ONNXImportError.Kind each must give. ---

bad(model("bad_softmax_middle", [
    helper.make_node("Gemm", ["input", "w1", "b1"], ["h"], name="/fc1/Gemm", transB=1),
    helper.make_node("Softmax", ["h"], ["s"], name="/softmax/Softmax", axis=1),
    helper.make_node("Gemm", ["s", "w2", "b2"], ["output"], name="/fc2/Gemm", transB=1),
], [6], [3], [weights("w1", 5, 6), weights("b1", 5), weights("w2", 3, 5), weights("b2", 3)]), "bad_softmax_middle", "unsupportedOperator", "/softmax/Softmax")

bad(model("bad_maxpool", [
    helper.make_node("Conv", ["input", "cw", "cb"], ["c"], name="/conv/Conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    helper.make_node("Relu", ["c"], ["r"], name="/relu/Relu"),
    helper.make_node("MaxPool", ["r"], ["p"], name="/pool/MaxPool", kernel_shape=[2, 2], strides=[2, 2]),
    helper.make_node("Flatten", ["p"], ["f"], name="/flatten/Flatten"),
    helper.make_node("Gemm", ["f", "w", "b"], ["output"], name="/fc/Gemm", transB=1),
], [1, 6, 6], [3], [weights("cw", 2, 1, 3, 3), weights("cb", 2), weights("w", 3, 18), weights("b", 3)]), "bad_maxpool", "unsupportedOperator", "/pool/MaxPool")

bad(model("bad_groups", [
    helper.make_node("Conv", ["input", "cw", "cb"], ["c"], name="/conv/Conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=2),
    helper.make_node("Relu", ["c"], ["r"], name="/relu/Relu"),
    helper.make_node("Flatten", ["r"], ["f"], name="/flatten/Flatten"),
    helper.make_node("Gemm", ["f", "w", "b"], ["output"], name="/fc/Gemm", transB=1),
], [2, 4, 4], [3], [weights("cw", 4, 1, 3, 3), weights("cb", 4), weights("w", 3, 64), weights("b", 3)]), "bad_groups", "unsupportedAttribute", "/conv/Conv")

bad(model("bad_residual", [
    helper.make_node("Gemm", ["input", "w1", "b1"], ["h"], name="/fc1/Gemm", transB=1),
    helper.make_node("Relu", ["h"], ["a"], name="/relu/Relu"),
    helper.make_node("Add", ["a", "input"], ["s"], name="/skip/Add"),
    helper.make_node("Gemm", ["s", "w2", "b2"], ["output"], name="/fc2/Gemm", transB=1),
], [6], [3], [weights("w1", 6, 6), weights("b1", 6), weights("w2", 3, 6), weights("b2", 3)]), "bad_residual", "notAChain", "/skip/Add")

bad(model("bad_pool_divide", [
    helper.make_node("AveragePool", ["input"], ["p"], name="/pool/AveragePool", kernel_shape=[3, 3], strides=[3, 3]),
    helper.make_node("Flatten", ["p"], ["f"], name="/flatten/Flatten"),
    helper.make_node("Gemm", ["f", "w", "b"], ["output"], name="/fc/Gemm", transB=1),
], [1, 8, 8], [3], [weights("w", 3, 4), weights("b", 3)]), "bad_pool_divide", "shapeMismatch", "/pool/AveragePool")

bad(model("bad_double_weights", [
    helper.make_node("Gemm", ["input", "w1", "b1"], ["output"], name="/fc1/Gemm", transB=1),
], [6], [3], [weights("w1", 3, 6, dtype=np.float64), weights("b1", 3)]), "bad_double_weights", "unsupportedTensor", "/fc1/Gemm", check=False)

bad(model("bad_shape", [
    helper.make_node("Gemm", ["input", "w1", "b1"], ["output"], name="/fc1/Gemm", transB=1),
], [6], [3], [weights("w1", 3, 5), weights("b1", 3)]), "bad_shape", "shapeMismatch", "/fc1/Gemm", check=False)

# The first half of a good file: what an interrupted download or copy leaves.
with open(os.path.join(HERE, "mlp_gemm.onnx"), "rb") as f:
    data = f.read()
with open(os.path.join(HERE, "bad_truncated.onnx"), "wb") as f:
    f.write(data[: len(data) // 2])
expected["bad"]["bad_truncated"] = {"kind": "malformed", "node": None, "op": None}

with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
    f.write("\n")
print("wrote", sorted(expected["good"]), sorted(expected["bad"]))
