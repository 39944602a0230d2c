#!/usr/bin/python3
"""Known answers from a peer: small fixed-weight models evaluated by PyTorch in float64.

Each fixture describes a Keras-style Sequential model (layer types and hyperparameters with
Keras's names), its weights, a fixed batch, and what PyTorch computes for it: every layer's output,
the final predictions, the loss and the gradient of the loss with respect to every weight.
PeerFixtureTests.cs rebuilds the same model with Tailor and compares.

Conventions (those of Keras, which Tailor follows):
  * images are NHWC; PyTorch works in NCHW, so tensors are permuted around each conv/pool;
  * a Conv2D kernel is (kh, kw, in_channels, filters), from PyTorch's (filters, in, kh, kw);
  * a Dense kernel is (inputs, units), the transpose of nn.Linear's (units, inputs);
  * padding 'same' is TensorFlow's: out = ceil(in / stride), total pad = max((out - 1) * stride +
    k - in, 0), floor(total / 2) before and the rest (the extra one) after, i.e. bottom/right;
  * average pooling with 'same' padding does not count padded cells; max pooling ignores them;
  * Flatten reads (h, w, c) in row-major order, so the NHWC tensor is flattened as it is;
  * losses are Keras's: categorical cross-entropy rescales probabilities to sum to one and clips
    them to [1e-7, 1 - 1e-7]; binary cross-entropy clips the same way; both and MSE are means
    over the batch (binary cross-entropy and MSE over the outputs as well).

Weights, inputs and targets are drawn in float64 and rounded to float32, so that Tailor (float32)
starts from exactly the values the float64 reference used. Floats are written with repr, which
round-trips.

Regenerate (from this folder):  apt-get install python3-torch && /usr/bin/python3 make_fixtures.py
"""

import json
import math
import os
import re

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

EPSILON = 1e-7
HERE = os.path.dirname(os.path.abspath(__file__))


def f32(t):
    """Rounds to float32 and back, so both sides start from the same values."""
    return t.float().double()


def uniform(gen, shape, low, high):
    return f32(torch.rand(shape, generator=gen) * (high - low) + low)


def tf_same_pads(size, kernel, stride):
    """(before, after) padding of one axis for TensorFlow's 'same'."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def pads_for(layer, h, w):
    if layer["padding"] == "valid":
        return (0, 0), (0, 0)
    return tf_same_pads(h, layer["kernel_size"][0], layer["strides"][0]), tf_same_pads(w, layer["kernel_size"][1], layer["strides"][1])


ACTIVATIONS = {
    "linear": lambda z: z,
    "relu": F.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "softmax": lambda z: F.softmax(z, dim=-1),
    "elu": lambda z: F.elu(z, alpha=1.0),
    "leaky_relu": lambda z: F.leaky_relu(z, negative_slope=0.2),  # Keras's activation default
    "gelu": lambda z: F.gelu(z, approximate="none"),  # Keras's default is the exact (erf) form
}


class Model:
    """A Keras-style layer list run with PyTorch's functional ops, NHWC between layers."""

    def __init__(self, input_shape, layers, gen, weight_scale):
        self.input_shape = input_shape
        self.layers = layers
        self.params = []  # (layer index, keras name, torch leaf tensor, to_keras function)
        shape = list(input_shape)
        for i, layer in enumerate(layers):
            kind = layer["type"]
            if kind == "Conv2D":
                kh, kw = layer["kernel_size"]
                cin, cout = shape[2], layer["filters"]
                # nn.Conv2d's layout; Keras's is (kh, kw, cin, cout).
                weight = uniform(gen, (cout, cin, kh, kw), -weight_scale, weight_scale).requires_grad_()
                bias = uniform(gen, (cout,), -0.1, 0.1).requires_grad_()
                layer["_w"], layer["_b"] = weight, bias
                self.params.append((i, "kernel", weight, lambda t: t.permute(2, 3, 1, 0)))
                self.params.append((i, "bias", bias, lambda t: t))
                (pt, pb), (pl, pr) = pads_for(layer, shape[0], shape[1])
                sh, sw = layer["strides"]
                shape = [(shape[0] + pt + pb - kh) // sh + 1, (shape[1] + pl + pr - kw) // sw + 1, cout]
            elif kind in ("MaxPooling2D", "AveragePooling2D"):
                layer.setdefault("strides", layer["pool_size"])
                layer["kernel_size"] = layer["pool_size"]
                (pt, pb), (pl, pr) = pads_for(layer, shape[0], shape[1])
                (ph, pw), (sh, sw) = layer["pool_size"], layer["strides"]
                shape = [(shape[0] + pt + pb - ph) // sh + 1, (shape[1] + pl + pr - pw) // sw + 1, shape[2]]
            elif kind == "Flatten":
                shape = [math.prod(shape)]
            elif kind == "Dense":
                units = layer["units"]
                # nn.Linear's layout (units, inputs); Keras's is (inputs, units).
                weight = uniform(gen, (units, shape[0]), -weight_scale, weight_scale).requires_grad_()
                bias = uniform(gen, (units,), -0.1, 0.1).requires_grad_()
                layer["_w"], layer["_b"] = weight, bias
                self.params.append((i, "kernel", weight, lambda t: t.t()))
                self.params.append((i, "bias", bias, lambda t: t))
                shape = [units]
            else:
                raise ValueError(f"unknown layer type {kind}")
            layer["output_shape"] = shape

    def forward(self, x):
        outputs = []
        for layer in self.layers:
            kind = layer["type"]
            if kind == "Conv2D":
                (pt, pb), (pl, pr) = pads_for(layer, x.shape[1], x.shape[2])
                nchw = F.pad(x.permute(0, 3, 1, 2), (pl, pr, pt, pb))
                z = F.conv2d(nchw, layer["_w"], layer["_b"], stride=tuple(layer["strides"]))
                x = ACTIVATIONS[layer["activation"]](z).permute(0, 2, 3, 1)
            elif kind == "MaxPooling2D":
                (pt, pb), (pl, pr) = pads_for(layer, x.shape[1], x.shape[2])
                nchw = F.pad(x.permute(0, 3, 1, 2), (pl, pr, pt, pb), value=-math.inf)
                x = F.max_pool2d(nchw, tuple(layer["pool_size"]), tuple(layer["strides"])).permute(0, 2, 3, 1)
            elif kind == "AveragePooling2D":
                (pt, pb), (pl, pr) = pads_for(layer, x.shape[1], x.shape[2])
                k, s = tuple(layer["pool_size"]), tuple(layer["strides"])
                nchw = F.pad(x.permute(0, 3, 1, 2), (pl, pr, pt, pb))
                inside = F.pad(torch.ones_like(x.permute(0, 3, 1, 2)), (pl, pr, pt, pb))
                sums = F.avg_pool2d(nchw, k, s) * (k[0] * k[1])
                counts = F.avg_pool2d(inside, k, s) * (k[0] * k[1])
                x = (sums / counts).permute(0, 2, 3, 1)
            elif kind == "Flatten":
                x = x.reshape(x.shape[0], -1)  # NHWC as it is: (h, w, c) order, like Keras
            elif kind == "Dense":
                x = ACTIVATIONS[layer["activation"]](F.linear(x, layer["_w"], layer["_b"]))
            outputs.append(x)
        return outputs


def loss_of(name, p, t):
    if name == "categorical_crossentropy":
        q = p / p.sum(dim=-1, keepdim=True)
        assert ((q > EPSILON) & (q < 1 - EPSILON)).all(), "probabilities reach the clip bounds"
        q = q.clamp(EPSILON, 1 - EPSILON)
        return -(t * torch.log(q)).sum(dim=-1).mean()
    if name == "binary_crossentropy":
        assert ((p > EPSILON) & (p < 1 - EPSILON)).all(), "probabilities reach the clip bounds"
        q = p.clamp(EPSILON, 1 - EPSILON)
        return -(t * torch.log(q) + (1 - t) * torch.log(1 - q)).mean(dim=-1).mean()
    if name == "mean_squared_error":
        return ((p - t) ** 2).mean(dim=-1).mean()
    raise ValueError(f"unknown loss {name}")


def tensor_json(t):
    t = t.detach()
    return {"shape": list(t.shape), "values": [float(v) for v in t.reshape(-1).tolist()]}


def make(name, description, seed, batch, input_shape, layers, loss, targets, weight_scale=0.5):
    gen = torch.Generator().manual_seed(seed)
    model = Model(input_shape, layers, gen, weight_scale)
    x = uniform(gen, (batch, *input_shape), 0.0, 1.0)
    outputs = model.forward(x)
    p = outputs[-1]
    units = p.shape[-1]
    if targets == "one_hot":
        labels = torch.randint(0, units, (batch,), generator=gen)
        y = F.one_hot(labels, units).double()
    elif targets == "binary":
        y = torch.randint(0, 2, (batch, units), generator=gen).double()
    else:
        y = uniform(gen, (batch, units), -1.0, 1.0)
    value = loss_of(loss, p, y)
    value.backward()

    grads = {}
    for i, key, leaf, to_keras in model.params:
        grads.setdefault(i, {})[key] = (to_keras(leaf.detach()), to_keras(leaf.grad))
    described = []
    for i, (layer, out) in enumerate(zip(layers, outputs)):
        entry = {k: v for k, v in layer.items() if not k.startswith("_") and k != "output_shape"}
        if layer["type"] in ("MaxPooling2D", "AveragePooling2D"):
            entry.pop("kernel_size")
        if i in grads:
            entry["weights"] = {k: tensor_json(w) for k, (w, _) in grads[i].items()}
            entry["gradients"] = {k: tensor_json(g) for k, (_, g) in grads[i].items()}
        assert list(out.shape[1:]) == layer["output_shape"], (layer, out.shape)
        entry["output"] = tensor_json(out)
        described.append(entry)

    fixture = {
        "name": name,
        "description": description,
        "generator": f"make_fixtures.py with PyTorch {torch.__version__}, float64, seed {seed}",
        "input_shape": list(input_shape),
        "loss": loss,
        "layers": described,
        "x": tensor_json(x),
        "y": tensor_json(y),
        "predictions": tensor_json(p),
        "loss_value": float(value),
    }
    text = json.dumps(fixture, indent=1)
    # Each list of numbers on one line, so a file stays a page of structure.
    text = re.sub(r"\[[-+0-9.eE,\s]*\]", lambda m: json.dumps(json.loads(m.group(0))), text)
    with open(os.path.join(HERE, f"{name}.json"), "w") as f:
        f.write(text + "\n")
    print(f"{name}.json: loss {float(value):.6f}, {sum(l.numel() for _, _, l, _ in model.params)} weights")


def main():
    # The second conv is 3x3 with stride 2 on a 4x4 input: 'same' then pads one row and one column,
    # at the bottom and right only (a 2x2 kernel with stride 2 would need no padding at all).
    make("cnn",
         "Small CNN, NHWC: valid 3x3 conv (relu), 2x2 max pool, strided 3x3 'same' conv (tanh, padded "
         "bottom/right only), 2x2 stride-1 'same' average pool (padded cells not counted), flatten in "
         "(h, w, c) order, dense softmax; categorical cross-entropy on one-hot targets.",
         seed=6, batch=4, input_shape=(10, 10, 2), loss="categorical_crossentropy", targets="one_hot",
         layers=[
             {"type": "Conv2D", "filters": 3, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid", "activation": "relu"},
             {"type": "MaxPooling2D", "pool_size": [2, 2], "strides": [2, 2], "padding": "valid"},
             {"type": "Conv2D", "filters": 4, "kernel_size": [3, 3], "strides": [2, 2], "padding": "same", "activation": "tanh"},
             {"type": "AveragePooling2D", "pool_size": [2, 2], "strides": [1, 1], "padding": "same"},
             {"type": "Flatten"},
             {"type": "Dense", "units": 5, "activation": "softmax"},
         ])
    make("cnn_rect",
         "CNN with non-square kernels and strides: (2, 3) kernel with strides (2, 1) and 'same' padding "
         "(elu), 3x2 'same' max pool with strides (2, 2) (padding ignored), 1x1 conv (gelu), flatten, "
         "dense softmax; categorical cross-entropy.",
         seed=2, batch=3, input_shape=(7, 6, 2), loss="categorical_crossentropy", targets="one_hot",
         layers=[
             {"type": "Conv2D", "filters": 3, "kernel_size": [2, 3], "strides": [2, 1], "padding": "same", "activation": "elu"},
             {"type": "MaxPooling2D", "pool_size": [3, 2], "strides": [2, 2], "padding": "same"},
             {"type": "Conv2D", "filters": 2, "kernel_size": [1, 1], "strides": [1, 1], "padding": "valid", "activation": "gelu"},
             {"type": "Flatten"},
             {"type": "Dense", "units": 3, "activation": "softmax"},
         ])
    make("mlp",
         "MLP: dense sigmoid, dense gelu, dense softmax; categorical cross-entropy on one-hot targets.",
         seed=3, batch=5, input_shape=(7,), loss="categorical_crossentropy", targets="one_hot",
         layers=[
             {"type": "Dense", "units": 6, "activation": "sigmoid"},
             {"type": "Dense", "units": 4, "activation": "gelu"},
             {"type": "Dense", "units": 3, "activation": "softmax"},
         ], weight_scale=0.8)
    make("mlp_bce",
         "MLP for multi-label output: dense elu, dense leaky_relu (slope 0.2), dense sigmoid; binary "
         "cross-entropy on 0/1 targets.",
         seed=4, batch=5, input_shape=(7,), loss="binary_crossentropy", targets="binary",
         layers=[
             {"type": "Dense", "units": 6, "activation": "elu"},
             {"type": "Dense", "units": 4, "activation": "leaky_relu"},
             {"type": "Dense", "units": 3, "activation": "sigmoid"},
         ], weight_scale=0.8)
    make("mlp_mse",
         "MLP regression: dense relu, dense tanh output (so the loss gradient goes through the "
         "activation's backward); mean squared error on targets in [-1, 1].",
         seed=5, batch=5, input_shape=(7,), loss="mean_squared_error", targets="real",
         layers=[
             {"type": "Dense", "units": 6, "activation": "relu"},
             {"type": "Dense", "units": 3, "activation": "tanh"},
         ], weight_scale=0.8)


if __name__ == "__main__":
    main()
