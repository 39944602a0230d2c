#!/usr/bin/python3
"""ONNX import fixtures: models built and trained briefly in PyTorch, exported with torch.onnx.export.

For each model this writes NAME.onnx and NAME.onnx.json: the outputs PyTorch computes (float32, eval
mode) for the first 100 images of Fashion-MNIST's test file, scaled by 1/255 as the peer scripts do.
Serialization/OnnxImportTests.cs imports the .onnx file with Tailor and compares its predictions, on
the same images given channels-last (N, 28, 28, 1), with these outputs.

  peer_cnn  the peer's CNN (/work/shared/bench/peer_torch.py, the notebook's): Conv(32, 3)-ReLU-MaxPool
            -Conv(64, 3)-ReLU-MaxPool-Conv(64, 3)-ReLU-Flatten-Linear(64)-ReLU-Linear(10)-Softmax, NCHW
  dense     the peer's dense model on (N, 784): Linear(128)-ReLU-Linear(64)-ReLU-Linear(10), logits
  bn_cnn    a small CNN for the other operators: same-padded convolutions, average pooling, max pooling
            with ceil_mode, global average pooling, BatchNormalization on images and on features (each
            after a layer other than a convolution, into which the export would fold it), ELU, Sigmoid
  resnet    a small torchvision-style ResNet: a Conv-BN-ReLU stem and MaxPool, then three BasicBlocks
            (conv3x3-BN-ReLU-conv3x3-BN, plus the shortcut, then ReLU): one with the identity shortcut,
            two that halve the size with a 1x1-conv-BN shortcut; global average pooling, Linear(10),
            logits. Sizes are odd where a block strides (13, then 7), so that PyTorch's padding of 1
            gives the windows of Keras's 'same'. The export folds each BN into its convolution.

Each is trained with Adam for three passes over 5,000 training images, so that its weights and the
batch-normalization statistics are a trained model's (the script prints its accuracy on the 100
images). Seeded and single-threaded: running the script again rewrites the same files.

Regenerate (from this folder): apt-get install python3-torch python3-onnx && /usr/bin/python3 make_onnx_fixtures.py
(Debian 12's PyTorch 1.13; python3-onnx lets torch.onnx.export check the graph.)
"""

import gzip
import json
import os

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "..", "data", "fashion")
OPSET = 13

torch.set_num_threads(1)


def load(kind, count):
    with gzip.open(os.path.join(DATA, f"{kind}-labels-idx1-ubyte.gz")) as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)[:count]
    with gzip.open(os.path.join(DATA, f"{kind}-images-idx3-ubyte.gz")) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)[:count]
    return torch.tensor(x, dtype=torch.float32) / 255, torch.tensor(y, dtype=torch.long)


def glorot(m):
    if isinstance(m, (nn.Linear, nn.Conv2d)):
        nn.init.xavier_uniform_(m.weight)
        if m.bias is not None:
            nn.init.zeros_(m.bias)


def peer_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(),
        nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, 10), nn.Softmax(dim=1))


def dense():
    return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))


def bn_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2), nn.BatchNorm2d(16),   # 14 x 14
        nn.Conv2d(16, 32, 3, padding=1), nn.ELU(), nn.MaxPool2d(2),                        # 7 x 7
        nn.MaxPool2d(2, ceil_mode=True),                                                   # 4 x 4
        nn.Conv2d(32, 64, 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Dropout(0.3), nn.Linear(64, 32), nn.BatchNorm1d(32), nn.Sigmoid(), nn.Linear(32, 10), nn.Softmax(dim=1))


class BasicBlock(nn.Module):
    """torchvision's BasicBlock: two 3x3 convolutions with BN, the shortcut added before the last ReLU."""

    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, bias=False), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2))  # 13 x 13
        self.layers = nn.Sequential(BasicBlock(16, 16), BasicBlock(16, 32, 2), BasicBlock(32, 64, 2))       # 13, 7, 4
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.avgpool(self.layers(self.stem(x)))
        return self.fc(torch.flatten(x, 1))


def resnet():
    return ResNet()


def train(model, x, y, flat):
    """Three passes of Adam over the images, in batches of 64."""
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for i in [i for _ in range(3) for i in range(0, len(x), 64)]:
        xb = x[i:i + 64].reshape(-1, 784) if flat else x[i:i + 64]
        out = model(xb)
        # The softmax models end in probabilities: their loss is the log of them.
        softmax = isinstance(model, nn.Sequential) and isinstance(model[-1], nn.Softmax)
        loss = nn.functional.nll_loss(torch.log(out.clamp_min(1e-7)), y[i:i + 64]) if softmax \
            else nn.functional.cross_entropy(out, y[i:i + 64])
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()


def export(name, model, flat, xtrain, ytrain, xtest, ytest):
    torch.manual_seed(1)
    model.apply(glorot)
    train(model, xtrain, ytrain, flat)
    example = torch.zeros(1, 784) if flat else torch.zeros(1, 1, 28, 28)
    path = os.path.join(HERE, name + ".onnx")
    torch.onnx.export(model, example, path, opset_version=OPSET, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    with torch.no_grad():
        outputs = model(xtest.reshape(-1, 784) if flat else xtest)
    with open(path + ".json", "w") as f:
        json.dump({
            "model": name,
            "torch": torch.__version__,
            "opset": OPSET,
            "images": "the first 100 images of t10k-images-idx3-ubyte.gz, divided by 255",
            "input_shape": list(example.shape[1:]),
            "outputs": [[float(v) for v in row] for row in outputs.tolist()],
        }, f, indent=None)
        f.write("\n")
    accuracy = (outputs.argmax(1) == ytest).float().mean().item()
    print(f"{name}: {sum(p.numel() for p in model.parameters()):,} parameters, {os.path.getsize(path):,} bytes, "
          f"accuracy {accuracy:.2f} on the 100 test images")


def main():
    xtrain, ytrain = load("train", 5000)
    xtest, ytest = load("t10k", 100)
    export("peer_cnn", peer_cnn(), False, xtrain, ytrain, xtest, ytest)
    export("dense", dense(), True, xtrain, ytrain, xtest, ytest)
    export("bn_cnn", bn_cnn(), False, xtrain, ytrain, xtest, ytest)
    export("resnet", resnet(), False, xtrain, ytrain, xtest, ytest)


if __name__ == "__main__":
    main()
