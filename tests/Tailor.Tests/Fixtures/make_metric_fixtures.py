"""Writes metrics.json: scikit-learn's classification metrics on fixed predictions, for MetricFixtureTests.

Run with Debian's scikit-learn (1.2.1 was used): apt-get install python3-sklearn; /usr/bin/python3 make_metric_fixtures.py
Scores are rounded to float32 before scikit-learn sees them, so Tailor starts from the same numbers.
"""
import json
import numpy as np
from sklearn.metrics import (accuracy_score, classification_report, confusion_matrix,
                             precision_recall_fscore_support, roc_auc_score, top_k_accuracy_score)

rng = np.random.default_rng(20261203)
FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def case(name, labels, scores, classes, auc=True):
    scores = scores.astype(np.float32)
    predicted = scores.argmax(axis=1) if classes > 1 else (scores[:, 0] > 0.5).astype(int)
    present = sorted(set(labels) | set(predicted))
    out = {"name": name, "classes": max(classes, 2), "labels": labels.tolist(),
           "scores": [[float(v) for v in row] for row in scores],
           "confusion": confusion_matrix(labels, predicted, labels=list(range(max(classes, 2)))).tolist(),
           "accuracy": accuracy_score(labels, predicted)}
    p, r, f, s = precision_recall_fscore_support(labels, predicted, labels=present, zero_division=0)
    out["per_class"] = {str(c): {"precision": p[i], "recall": r[i], "f1": f[i], "support": int(s[i])} for i, c in enumerate(present)}
    for average in ("macro", "weighted", "micro"):
        p, r, f, _ = precision_recall_fscore_support(labels, predicted, average=average, zero_division=0)
        out[average] = {"precision": p, "recall": r, "f1": f}
    names = [f"class {c}" if classes > 1 else ["negative", "positive"][c] for c in present]
    if classes == 10 and len(present) == 10:
        names = FASHION
    out["report_names"] = names
    out["report"] = {str(d): classification_report(labels, predicted, target_names=names, digits=d, zero_division=0) for d in (2, 4)}
    if classes > 1:
        out["top_k"] = {str(k): top_k_accuracy_score(labels, scores, k=k, labels=list(range(classes))) for k in (1, 2, 3, 5)}
    if auc:
        if classes > 1:
            out["auc"] = {a: roc_auc_score(labels, scores, multi_class="ovr", average=a) for a in ("macro", "weighted")}
        else:
            out["auc"] = {"binary": roc_auc_score(labels, scores[:, 0])}
    return out


cases = []
labels = rng.integers(0, 10, 300)
logits = rng.normal(size=(300, 10)) + 2.0 * np.eye(10)[labels] * rng.random((300, 1))
cases.append(case("ten classes", labels, softmax(logits), 10))
# Class 9 never true, class 7 never predicted: scikit-learn averages over the classes that occur.
labels = rng.integers(0, 9, 120)
logits = rng.normal(size=(120, 10)) + 1.5 * np.eye(10)[labels]
logits[:, 7] -= 10
cases.append(case("absent classes", labels, softmax(logits), 10, auc=False))
# Ties: scores on a coarse grid, so that the AUC's tie handling matters.
labels = rng.integers(0, 2, 80)
scores = np.round(np.clip(0.5 + 0.3 * (2 * labels - 1) * rng.random(80) + 0.2 * rng.normal(size=80), 0, 1) * 8) / 8
cases.append(case("one output", labels, scores.reshape(-1, 1), 1))

with open("metrics.json", "w") as f:
    json.dump(cases, f, indent=1)
print(f"wrote {len(cases)} cases")
