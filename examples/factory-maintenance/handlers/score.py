#!/usr/bin/env python3
"""Score vibration features for anomalies.

Reads one `Features` message per line on stdin and writes one `AnomalyScore` per line on stdout.

With MODEL_URI pointing at an ONNX model (downloaded once to /tmp with MODEL_STORE_TOKEN as a
bearer token) and onnxruntime installed (the GPU image), the model scores each window. With MODEL_URI=heuristic: (the `local` profile) a small rule of thumb based
on ISO 10816 vibration zones stands in for it, so the app runs on a laptop without a GPU.
"""

import json
import math
import os
import sys

MODES = ["Imbalance", "Misalignment", "BearingWear", "Looseness"]


def heuristic(f):
    # ISO 10816 class II machines: above ~4.5 mm/s RMS is "unsatisfactory", above ~7.1 "unacceptable".
    level = 1 / (1 + math.exp(-(f["mean"] - 4.5) * 1.5))
    impacts = min(1.0, max(0.0, (f["crest"] - 1.4) / 0.8))  # spiky windows: bearing damage
    score = round(max(level, impacts), 3)
    mode = None
    if score >= 0.8:
        mode = "BearingWear" if impacts > level else "Imbalance"
    return score, mode


def fetch(uri):
    import urllib.request

    path = "/tmp/model.onnx"
    request = urllib.request.Request(uri, headers={"Authorization": "Bearer " + os.environ["MODEL_STORE_TOKEN"]})
    with urllib.request.urlopen(request, timeout=60) as response, open(path, "wb") as out:
        out.write(response.read())
    return path


def load_model(uri):
    import numpy as np  # only in the GPU image
    import onnxruntime as ort

    session = ort.InferenceSession(fetch(uri), providers=["CUDAExecutionProvider", "CPUExecutionProvider"])

    def run(f):
        x = np.array([[f["mean"], f["peak"], f["spread"], f["crest"], f["samples"]]], dtype=np.float32)
        anomaly, mode_probs = session.run(None, {"features": x})
        best = int(mode_probs[0].argmax())
        mode = MODES[best] if mode_probs[0][best] >= 0.6 else None
        return round(float(anomaly[0][0]), 3), mode

    return run


def main():
    uri = os.environ.get("MODEL_URI", "heuristic:")
    version = "heuristic" if uri.startswith("heuristic:") else uri.rsplit("/", 2)[-2]
    scorer = heuristic if uri.startswith("heuristic:") else load_model(uri)
    for line in sys.stdin:
        f = json.loads(line)
        score, mode = scorer(f)
        out = {"machine": f["machine"], "score": score, "mode": mode, "model_version": version}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
