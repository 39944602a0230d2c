#!/usr/bin/env python3
"""Load a Tailor model file (safetensors) into the equivalent PyTorch model and compare predictions.

    dotnet run --project src/Tailor.Cli -c Release -- train --model cnn --epochs 2 --out out/train
    dotnet run --project src/Tailor.Cli -c Release -- evaluate --model out/train/model.safetensors --probabilities out/train/probabilities.csv
    python3 scripts/torch_load_safetensors.py out/train/model.safetensors out/train/probabilities.csv [--data data/fashion]

The file is read with json + numpy alone (no safetensors package needed): 8-byte little-endian header
length, JSON header, raw little-endian float32 data. The architecture comes from the "model_config"
metadata: a Sequential's layers run in turn; a functional model's ("Functional", Keras 2's config) run
call by call as each layer's inbound_nodes connect them, merges (Add, Subtract, Multiply, Average,
Maximum, Concatenate) on channels-last tensors, a shared layer's calls on its one set of weights. Tailor is channels-last like Keras, so the torch model permutes NHWC -> NCHW (NWC -> NCW)
before the first convolution or pooling and back before Flatten, Reshape or Dense, keeping Keras's (height, width, channel) order of the flattened
features and the Dense kernels as stored (transposed into torch's (out, in)). Not run in CI.
"""
import argparse
import csv
import gzip
import json
import math
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        assert info["dtype"] == "F32", f"{name}: dtype {info['dtype']}"
        begin, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(info["shape"]).copy()
    return tensors, metadata


def same_pads(size, kernel, stride, dilation=1):
    """Keras/TensorFlow 'same' padding of one axis: (before, after), the odd cell after."""
    span = (kernel - 1) * dilation + 1
    out = (size + stride - 1) // stride
    total = max((out - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


def pads_1d(padding, size, kernel, stride, dilation=1):
    """(before, after) of a sequence axis for valid, same or causal (all the padding before) padding."""
    if padding == "same":
        return same_pads(size, kernel, stride, dilation)
    if padding == "causal":
        return (kernel - 1) * dilation, 0
    return 0, 0


def pool(kind, x, pads, kernel, stride):
    """Max or average pooling of a channels-first tensor with explicit pads; Keras averages over the cells inside only."""
    dims = len(kernel)
    if kind.startswith("Max"):
        return (F.max_pool1d if dims == 1 else F.max_pool2d)(F.pad(x, pads, value=-math.inf), kernel, stride)
    avg = F.avg_pool1d if dims == 1 else F.avg_pool2d
    if not any(pads):
        return avg(x, kernel, stride)
    ones = torch.ones_like(x[:1, :1])
    total = avg(F.pad(x, pads), kernel, stride) * math.prod(kernel)
    count = avg(F.pad(ones, pads), kernel, stride) * math.prod(kernel)
    return total / count


def first(value):
    """Keras writes 1D sizes as a one-element list and accepts an integer."""
    return value[0] if isinstance(value, list) else value


MERGES = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Concatenate")


def input_shape(config):
    """The per-sample input shape: a Sequential's input_shape, a functional model's first InputLayer's."""
    if config["class_name"] != "Functional":
        return config["config"]["input_shape"]
    inputs = {layer["name"]: layer for layer in config["config"]["layers"] if layer["class_name"] == "InputLayer"}
    return inputs[config["config"]["input_layers"][0][0]]["config"]["batch_input_shape"][1:]


class TailorTorchModel(torch.nn.Module):
    """Runs the layers of a Tailor model file (a Sequential or a functional model) in torch with Tailor's weights."""

    def __init__(self, config, tensors):
        super().__init__()
        self.functional = config["class_name"] == "Functional"
        self.config = config["config"]
        self.weights = {k: torch.from_numpy(v) for k, v in tensors.items() if not k.startswith("optimizer/")}

    def activation(self, name, x, channels_first):
        if name == "linear":
            return x
        if name == "relu":
            return torch.relu(x)
        if name == "sigmoid":
            return torch.sigmoid(x)
        if name == "tanh":
            return torch.tanh(x)
        if name == "softmax":
            return torch.softmax(x, dim=1 if channels_first else -1)
        if name == "elu":
            return F.elu(x, alpha=1.0)
        if name == "leaky_relu":
            return F.leaky_relu(x, 0.2)
        if name == "gelu":
            return F.gelu(x)
        raise ValueError(f"activation {name}")

    def to_channels_first(self, x, channels_first):
        return (x if channels_first else x.permute(0, x.dim() - 1, *range(1, x.dim() - 1))), True

    def to_channels_last(self, x, channels_first):
        return (x.permute(0, *range(2, x.dim()), 1) if channels_first else x), False

    def forward(self, x):
        if self.functional:
            return self.forward_graph(x)
        channels_first = False
        for layer in self.config["layers"]:
            x, channels_first = self.apply(layer["class_name"], layer["config"], x, channels_first)
        x, _ = self.to_channels_last(x, channels_first)
        return x

    def forward_graph(self, x):
        """Each layer call once its inputs are known: values[(layer, call)] = (tensor, channels_first)."""
        layers = self.config["layers"]
        values = {(self.config["input_layers"][0][0], 0): (x, False)}
        pending = [(layer, call, node) for layer in layers if layer["class_name"] != "InputLayer"
                   for call, node in enumerate(layer["inbound_nodes"])]
        while pending:
            ready = [p for p in pending if all((ref[0], ref[1]) in values for ref in p[2])]
            if not ready:
                raise ValueError(f"calls {[(p[0]['name'], p[1]) for p in pending]} read values no call gives")
            for layer, call, node in ready:
                inputs = [values[(ref[0], ref[1])] for ref in node]
                kind, c = layer["class_name"], layer["config"]
                if kind in MERGES:
                    values[(layer["name"], call)] = (self.merge(kind, c, [self.to_channels_last(*v)[0] for v in inputs]), False)
                else:
                    values[(layer["name"], call)] = self.apply(kind, c, *inputs[0])
                pending.remove((layer, call, node))
        name, call = self.config["output_layers"][0][:2]
        x, channels_first = values[(name, call)]
        x, _ = self.to_channels_last(x, channels_first)
        return x

    @staticmethod
    def merge(kind, c, xs):
        """A merge of channels-last tensors, in Tailor's order of operations (left to right; the mean divides the sum)."""
        if kind == "Concatenate":
            return torch.cat(xs, dim=c["axis"])
        out = xs[0]
        for x in xs[1:]:
            out = {"Add": torch.add, "Average": torch.add, "Subtract": torch.sub, "Multiply": torch.mul, "Maximum": torch.maximum}[kind](out, x)
        return out / len(xs) if kind == "Average" else out

    def apply(self, kind, c, x, channels_first):
        """One layer on x (channels-first or not); returns the output and whether it is channels-first."""
        name = c["name"]
        if kind in ("Conv2D", "MaxPooling2D", "AveragePooling2D", "Conv1D", "MaxPooling1D", "AveragePooling1D"):
            x, channels_first = self.to_channels_first(x, channels_first)
        if kind == "Conv2D":
            kh, kw = c["kernel_size"]
            sh, sw = c["strides"]
            w = self.weights[f"{name}/kernel"].permute(3, 2, 0, 1).contiguous()
            b = self.weights.get(f"{name}/bias")
            if c["padding"] == "same":
                (t, bo), (l, r) = same_pads(x.shape[2], kh, sh), same_pads(x.shape[3], kw, sw)
                x = F.pad(x, (l, r, t, bo))
            x = F.conv2d(x, w, b, stride=(sh, sw))
            x = self.activation(c["activation"], x, True)
        elif kind == "Conv1D":
            k, s, d = first(c["kernel_size"]), first(c["strides"]), first(c["dilation_rate"])
            w = self.weights[f"{name}/kernel"].permute(2, 1, 0).contiguous()  # (k, cin, cout) -> (cout, cin, k)
            x = F.pad(x, pads_1d(c["padding"], x.shape[2], k, s, d))
            x = F.conv1d(x, w, self.weights.get(f"{name}/bias"), stride=s, dilation=d)
            x = self.activation(c["activation"], x, True)
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            ph, pw = c["pool_size"]
            sh, sw = c["strides"]
            (t, bo), (l, r) = (same_pads(x.shape[2], ph, sh), same_pads(x.shape[3], pw, sw)) if c["padding"] == "same" else ((0, 0), (0, 0))
            x = pool(kind, x, (l, r, t, bo), (ph, pw), (sh, sw))
        elif kind in ("MaxPooling1D", "AveragePooling1D"):
            p, s = first(c["pool_size"]), first(c["strides"])
            x = pool(kind, x, pads_1d(c["padding"], x.shape[2], p, s), (p,), (s,))
        elif kind.startswith("Global"):
            axes = tuple(range(2, x.dim())) if channels_first else tuple(range(1, x.dim() - 1))
            x = x.amax(dim=axes) if "Max" in kind else x.mean(dim=axes)
            channels_first = False
        elif kind == "BatchNormalization":
            # Inference: the moving statistics, computed as the layer fuses them.
            mean, var = self.weights[f"{name}/moving_mean"], self.weights[f"{name}/moving_variance"]
            gamma = self.weights.get(f"{name}/gamma", torch.ones_like(mean))
            beta = self.weights.get(f"{name}/beta", torch.zeros_like(mean))
            scale = (1 / torch.sqrt(var.double() + c["epsilon"])).float() * gamma
            shift = beta - mean * scale
            shape = [1, -1] + [1] * (x.dim() - 2) if channels_first else [-1]
            x = x * scale.reshape(shape) + shift.reshape(shape)
        elif kind in ("Flatten", "Reshape"):
            x, channels_first = self.to_channels_last(x, channels_first)
            x = x.reshape([x.shape[0], -1] if kind == "Flatten" else [x.shape[0]] + list(c["target_shape"]))
        elif kind == "Dense":
            x, channels_first = self.to_channels_last(x, channels_first)
            x = x @ self.weights[f"{name}/kernel"]
            if f"{name}/bias" in self.weights:
                x = x + self.weights[f"{name}/bias"]
            x = self.activation(c["activation"], x, False)
        elif kind == "Dropout":
            pass  # identity at inference
        elif kind == "Activation":
            x = self.activation(c["activation"], x, channels_first)
        else:
            raise ValueError(f"layer type {kind} is not supported by this script")
        return x, channels_first


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, count, rows, cols = struct.unpack(">IIII", raw[:16])
    assert magic == 0x803, hex(magic)
    return np.frombuffer(raw[16:], dtype=np.uint8).reshape(count, rows, cols)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("probabilities", help="CSV from tailor evaluate --probabilities")
    parser.add_argument("--data", default="data/fashion")
    args = parser.parse_args()

    tensors, metadata = read_safetensors(args.model)
    assert metadata.get("format") == "tailor.sequential", metadata.get("format")
    config = json.loads(metadata["model_config"])
    model = TailorTorchModel(config, tensors).eval()

    with open(args.probabilities) as f:
        rows = list(csv.DictReader(f))
    file_indices = [int(r["file_index"]) for r in rows]
    classes = sum(1 for k in rows[0] if k.startswith("p"))
    expected = np.array([[float(r[f"p{c}"]) for c in range(classes)] for r in rows], dtype=np.float32)

    images = read_idx_images(f"{args.data}/t10k-images-idx3-ubyte.gz")[file_indices]
    x = torch.from_numpy(images.astype(np.float32) / np.float32(255))
    x = x.reshape([len(rows)] + list(input_shape(config)))
    with torch.no_grad():
        actual = model(x).numpy()

    difference = np.abs(actual - expected)
    agree = (actual.argmax(1) == expected.argmax(1)).mean()
    print(f"torch {torch.__version__}: {len(rows)} test images, max abs difference {difference.max():.3e}, "
          f"mean {difference.mean():.3e}, same predicted class for {agree:.2%}")
    return 0 if difference.max() <= 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
