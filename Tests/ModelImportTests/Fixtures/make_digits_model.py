#!/usr/bin/env python3
"""Trains the float MLP of configs/experiments/onnx-digits.yaml in PyTorch and exports it to ONNX.

    python3 -m venv /tmp/onnx-venv && /tmp/onnx-venv/bin/pip install onnx numpy torch onnxscript
    /tmp/onnx-venv/bin/python Tests/ModelImportTests/Fixtures/make_digits_model.py

A 64→64→10 ReLU MLP, trained on Lockstep's own digits training split and exported with
torch.onnx.export, so the committed model is what a researcher would bring. The split and
the scaling are Lockstep's, reproduced here exactly (Sources/Datasets): data/sklearn/digits.csv.gz,
pixel counts / 16 clamped to [0, 1], and a stratified split drawn per class with SplitMix64
(seed 7, test fraction 0.2, as the config says). PyTorch's float accuracy on the test split
goes to torch.json, with the logits of a few test samples; ModelImportTests checks that
the imported Network reproduces both on the split Lockstep loads itself.

It also exports a tiny untrained CNN (Conv, ReLU, AvgPool2d, Flatten, Linear) with the
torch.export-based exporter, the default since PyTorch 2.9, to cnn_torch.onnx: that exporter
writes Reshape with allowzero=1 instead of Flatten, and opset 20.
"""
import gzip
import json
import os

import numpy as np
import onnx
import torch
from onnx.reference import ReferenceEvaluator

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
SEED, TEST_FRACTION = 7, 0.2
MASK = (1 << 64) - 1


class SplitMix64:
    """Sources/SeededRandom/SplitMix64.swift, bit for bit."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform_below(self, bound):
        threshold = ((0 - bound) & MASK) % bound
        while True:
            value = self.next()
            if value >= threshold:
                return value % bound

    def shuffle(self, items):
        for i in range(len(items) - 1, 0, -1):
            j = self.uniform_below(i + 1)
            items[i], items[j] = items[j], items[i]


def stratified_split(labels, class_count, fraction, seed):
    """Sources/Datasets/Splitting.swift: per class in label order, shuffle, take round(n·f) for test."""
    generator = SplitMix64(seed)
    train, test = [], []
    for label in range(class_count):
        members = [i for i, y in enumerate(labels) if y == label]
        if not members:
            continue
        generator.shuffle(members)
        # Swift's rounded() rounds halves away from zero, Python's round() to even.
        count = min(max(1, int(np.floor(len(members) * fraction + 0.5))), len(members) - 1)
        test += members[:count]
        train += members[count:]
    return sorted(train), sorted(test)


with gzip.open(os.path.join(ROOT, "data", "sklearn", "digits.csv.gz"), "rt") as f:
    rows = np.array([[float(v) for v in line.split(",")] for line in f if line.strip()])
features = np.clip(rows[:, :64] / 16, 0, 1).astype(np.float32)
labels = rows[:, 64].astype(np.int64)
train, test = stratified_split(labels.tolist(), 10, TEST_FRACTION, SEED)

torch.manual_seed(SEED)
model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
optimizer = torch.optim.Adam(model.parameters(), lr=0.005)
x_train, y_train = torch.from_numpy(features[train]), torch.from_numpy(labels[train])
x_test, y_test = torch.from_numpy(features[test]), torch.from_numpy(labels[test])
for epoch in range(40):
    order = torch.randperm(len(train))
    for start in range(0, len(train), 32):
        batch = order[start:start + 32]
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x_train[batch]), y_train[batch]).backward()
        optimizer.step()
model.eval()
with torch.no_grad():
    logits = model(x_test)
accuracy = float((logits.argmax(1) == y_test).float().mean())

path = os.path.join(ROOT, "configs", "experiments", "onnx-digits.onnx")
# The TorchScript exporter writes Gemm (transB=1) + Relu + Gemm, the pattern most exported models have.
torch.onnx.export(model, torch.zeros(1, 64), path, input_names=["input"], output_names=["logits"],
                  dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=17, dynamo=False)
exported = onnx.load(path)
onnx.checker.check_model(exported)
reference = ReferenceEvaluator(exported).run(None, {"input": features[test[:5]]})[0]
assert np.allclose(reference, logits[:5].numpy(), atol=1e-5)

torch.manual_seed(SEED)
cnn = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3, padding=1, stride=1), torch.nn.ReLU(), torch.nn.AvgPool2d(2),
                          torch.nn.Flatten(), torch.nn.Linear(2 * 4 * 4, 10)).eval()
cnn_path = os.path.join(HERE, "cnn_torch.onnx")
torch.onnx.export(cnn, (torch.zeros(1, 1, 8, 8),), cnn_path, input_names=["input"], output_names=["logits"],
                  dynamic_shapes={"input": {0: torch.export.Dim("batch")}}, external_data=False)
cnn_inputs = torch.from_numpy(features[test[:3]].reshape(3, 1, 8, 8))
with torch.no_grad():
    cnn_outputs = cnn(cnn_inputs)

with open(os.path.join(HERE, "torch.json"), "w") as f:
    json.dump({
        "torch_version": torch.__version__,
        "onnx_version": onnx.__version__,
        "nodes": [node.op_type for node in exported.graph.node],
        "seed": SEED, "test_fraction": TEST_FRACTION,
        "test_count": len(test),
        "test_accuracy": accuracy,
        "first_test_logits": logits[:5].tolist(),
        "cnn_torch": {
            "nodes": [node.op_type for node in onnx.load(cnn_path).graph.node],
            "inputs": cnn_inputs.reshape(3, -1).tolist(),
            "outputs": cnn_outputs.tolist(),
        },
    }, f, indent=1)
    f.write("\n")
print(f"PyTorch {torch.__version__} float test accuracy {accuracy:.4f} on {len(test)} samples; nodes",
      [node.op_type for node in exported.graph.node])
