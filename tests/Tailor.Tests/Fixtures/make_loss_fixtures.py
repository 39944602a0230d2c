#!/usr/bin/python3
"""Writes losses.json: PyTorch's weighted cross-entropy losses and their gradients on a fixed batch,
for Losses/TorchLossFixtureTests.cs.

Cases (7 samples, 5 classes, class weights w, label smoothing eps = float32(0.1)):
  * CrossEntropyLoss(weight=w or None, label_smoothing=0 or eps), each with reduction 'none', 'sum'
    and 'mean', and the gradient of 'sum' and 'mean' with respect to the logits (autograd);
  * BCEWithLogitsLoss(weight=per-sample weights of shape (N, 1)) on 7 samples of 3 outputs, on the
    targets as they are and on targets smoothed as Keras smooths them, t (1 - eps) + eps / 2
    (PyTorch's loss has no label_smoothing of its own).

Where PyTorch and Keras (so Tailor) differ, see the README in this folder:
  * 'mean' with a class weight divides sum_n w[y_n] l_n by sum_n w[y_n], Keras by the batch size;
  * with a class weight and label smoothing PyTorch weights the smoothing term per class,
        l_n = (1 - eps) w[y_n] (-log p[n, y_n]) + eps / K sum_c w[c] (-log p[n, c]),
    while Keras's class_weight multiplies the whole smoothed loss of sample n by w[y_n].
The script checks that formula against PyTorch before writing, so a PyTorch that computed otherwise
would stop it.

Logits, weights and eps are drawn in float64 and rounded to float32, and PyTorch runs in float64
from those values, so Tailor (float32) starts from exactly the reference's numbers. Floats are
written with repr, which round-trips.

Regenerate (from this folder; 1.13 was used):  apt-get install python3-torch && /usr/bin/python3 make_loss_fixtures.py
"""

import json
import os

import torch

torch.set_default_dtype(torch.float64)

HERE = os.path.dirname(os.path.abspath(__file__))
BATCH, CLASSES, OUTPUTS = 7, 5, 3


def f32(t):
    """Rounds to float32 and back, so both sides start from the same values."""
    return t.float().double()


def rows(t):
    return [[float(v) for v in row] for row in t]


def values(t):
    return [float(v) for v in t]


def reduced(make_loss, logits, target):
    """'none' values, and for 'sum' and 'mean' the value and the gradient with respect to the logits."""
    none = make_loss("none")(logits, target).detach()
    out = {"none": rows(none) if none.dim() == 2 else values(none)}
    for reduction in ("sum", "mean"):
        x = logits.clone().requires_grad_(True)
        loss = make_loss(reduction)(x, target)
        loss.backward()
        out[reduction] = float(loss)
        out["gradient_" + reduction] = rows(x.grad)
    return out


def cross_entropy_case(name, logits, labels, weight, eps):
    case = {"name": name, "weighted": weight is not None, "label_smoothing": eps}
    case.update(reduced(lambda r: torch.nn.CrossEntropyLoss(weight=weight, label_smoothing=eps, reduction=r), logits, labels))

    # The formula the README states, against PyTorch's own numbers.
    w = weight if weight is not None else torch.ones(CLASSES)
    nll = -torch.log_softmax(logits, dim=1)
    per_sample = (1 - eps) * w[labels] * nll[torch.arange(BATCH), labels] + eps / CLASSES * (nll * w).sum(dim=1)
    assert torch.allclose(per_sample, torch.tensor(case["none"]), rtol=0, atol=1e-14), name
    assert abs(per_sample.sum() - case["sum"]) < 1e-13, name
    assert abs(per_sample.sum() / w[labels].sum() - case["mean"]) < 1e-13, name
    return case


def main():
    gen = torch.Generator().manual_seed(20261204)
    logits = f32(2 * torch.randn(BATCH, CLASSES, generator=gen))
    # Every class occurs, class 3 three times, so that w[y_n] differ and do not sum to the batch size.
    labels = torch.tensor([3, 0, 4, 3, 1, 2, 3])
    weight = f32(torch.tensor([0.4, 2.5, 1.0, 0.7, 1.8]))
    eps = float(torch.tensor(0.1, dtype=torch.float32))

    cross_entropy = {
        "logits": rows(logits), "labels": labels.tolist(), "class_weight": values(weight), "label_smoothing": eps,
        "cases": [cross_entropy_case(name, logits, labels, w, e) for name, w, e in
                  (("plain", None, 0.0), ("weight", weight, 0.0), ("label smoothing", None, eps), ("weight and label smoothing", weight, eps))],
    }

    z = f32(2 * torch.randn(BATCH, OUTPUTS, generator=gen))
    targets = (torch.rand(BATCH, OUTPUTS, generator=gen) < 0.5).double()
    sample_weight = f32(torch.rand(BATCH, generator=gen) * 3)
    sample_weight[2] = 0  # a sample that does not count
    binary = {"logits": rows(z), "targets": rows(targets), "sample_weight": values(sample_weight), "cases": []}
    for name, smoothing in (("plain", 0.0), ("label smoothing", eps)):
        smoothed = targets * (1 - smoothing) + smoothing / 2
        case = {"name": name, "label_smoothing": smoothing}
        case.update(reduced(lambda r: torch.nn.BCEWithLogitsLoss(weight=sample_weight[:, None], reduction=r), z, smoothed))
        binary["cases"].append(case)

    with open(os.path.join(HERE, "losses.json"), "w") as f:
        json.dump({"torch_version": torch.__version__, "cross_entropy": cross_entropy, "binary_cross_entropy": binary}, f, indent=1)
    print(f"wrote {len(cross_entropy['cases'])} cross-entropy and {len(binary['cases'])} binary cross-entropy cases")


if __name__ == "__main__":
    main()
