#!/usr/bin/env python3
"""Load a Tailor model file (safetensors) into the equivalent PyTorch model and compare predictions.

    dotnet run --project src/Tailor.Cli -c Release -- train --model cnn --epochs 2 --out out/train
    dotnet run --project src/Tailor.Cli -c Release -- evaluate --model out/train/model.safetensors --probabilities out/train/probabilities.csv
    python3 scripts/torch_load_safetensors.py out/train/model.safetensors out/train/probabilities.csv [--data data/fashion]

The file is read with json + numpy alone (no safetensors package needed): 8-byte little-endian header
length, JSON header, raw little-endian float32 data. The architecture comes from the "model_config"
metadata. Tailor is channels-last like Keras, so the torch model permutes NHWC -> NCHW before the first
convolution and back before Flatten, keeping Keras's (height, width, channel) order of the flattened
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


def same_pads(size, kernel, stride):
    """Keras/TensorFlow 'same' padding of one axis: (before, after), the odd cell after."""
    out = (size + stride - 1) // stride
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class TailorTorchModel(torch.nn.Module):
    """Runs the layers of a Tailor Sequential in torch with Tailor's weights."""

    def __init__(self, config, tensors):
        super().__init__()
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

    def forward(self, x):
        channels_first = False
        shape = list(self.config["input_shape"])
        for layer in self.config["layers"]:
            kind, c = layer["class_name"], layer["config"]
            name = c["name"]
            if kind in ("Conv2D", "MaxPooling2D", "AveragePooling2D") and not channels_first:
                x = x.permute(0, 3, 1, 2)
                channels_first = True
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
            elif kind in ("MaxPooling2D", "AveragePooling2D"):
                ph, pw = c["pool_size"]
                sh, sw = c["strides"]
                if c["padding"] == "same":
                    (t, bo), (l, r) = same_pads(x.shape[2], ph, sh), same_pads(x.shape[3], pw, sw)
                    if kind == "MaxPooling2D":
                        x = F.max_pool2d(F.pad(x, (l, r, t, bo), value=-math.inf), (ph, pw), (sh, sw))
                    else:  # Keras averages over the cells inside the image only
                        ones = torch.ones_like(x[:1, :1])
                        total = F.avg_pool2d(F.pad(x, (l, r, t, bo)), (ph, pw), (sh, sw), divisor_override=1)
                        count = F.avg_pool2d(F.pad(ones, (l, r, t, bo)), (ph, pw), (sh, sw), divisor_override=1)
                        x = total / count
                elif kind == "MaxPooling2D":
                    x = F.max_pool2d(x, (ph, pw), (sh, sw))
                else:
                    x = F.avg_pool2d(x, (ph, pw), (sh, sw))
            elif kind == "Flatten":
                if channels_first:
                    x = x.permute(0, 2, 3, 1)
                    channels_first = False
                x = x.reshape(x.shape[0], -1)
            elif kind == "Dense":
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
        if channels_first:
            x = x.permute(0, 2, 3, 1)
        return x


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
    x = x.reshape([len(rows)] + list(config["config"]["input_shape"]))
    with torch.no_grad():
        actual = model(x).numpy()

    difference = np.abs(actual - expected)
    agree = (actual.argmax(1) == expected.argmax(1)).mean()
    print(f"torch {torch.__version__}: {len(rows)} test images, max abs difference {difference.max():.3e}, "
          f"mean {difference.mean():.3e}, same predicted class for {agree:.2%}")
    return 0 if difference.max() <= 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
