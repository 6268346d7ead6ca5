#!/usr/bin/env python3
"""Combines the reader's guess with the restorer's probe errors (examples/probe_vote.rs).

    python3 scripts/probe-vote.py TRAIN.jsonl [TEST.jsonl --beta B --tau T]

With one file it sweeps the rule's two settings on it (pick them on training digits): the
class chosen is argmax over the reader's top 3 of log p(c) - beta * (mean probe L1 error under
c), applied when the reader's confidence is under tau. With a second file and the picked
settings, it scores that file once. Accuracy is the judge's, on the restoration told the
chosen class.
"""
import json
import math
import sys


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def choose(row, beta, tau):
    top = row["top"]
    if row["p"][top[0]] >= tau:
        return 0
    scores = []
    for k, c in enumerate(top):
        err = sum(row["err"][k]) / max(len(row["err"][k]), 1)
        scores.append(math.log(max(row["p"][c], 1e-9)) - beta * err)
    return max(range(len(top)), key=lambda k: scores[k])


def accuracy(rows, beta, tau):
    right = sum(r["judge"][choose(r, beta, tau)] == r["label"] for r in rows)
    return 100.0 * right / len(rows)


def main():
    args = sys.argv[1:]
    rows = load(args[0])
    reader = 100.0 * sum(r["top"][0] == r["label"] for r in rows) / len(rows)
    ceiling = 100.0 * sum(r["label"] in [c for k, c in enumerate(r["top"]) if r["judge"][k] == r["label"]] for r in rows) / len(rows)
    print(f"{args[0]}: {len(rows)} digits, reader {reader:.1f}%, plain {accuracy(rows, 0, 2):.1f}%, "
          f"best of top 3 {ceiling:.1f}%")
    if len(args) == 1:
        for tau in (2.0, 0.99, 0.9, 0.7):
            line = " ".join(f"{accuracy(rows, b, tau):5.1f}" for b in (0, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2))
            print(f"  tau {tau:4}: beta 0 .02 .05 .1 .2 .5 1 2 -> {line}")
        return
    beta = float(args[args.index("--beta") + 1])
    tau = float(args[args.index("--tau") + 1])
    test = load(args[1])
    print(f"{args[1]}: plain {accuracy(test, 0, 2):.1f}%, beta {beta} tau {tau}: {accuracy(test, beta, tau):.1f}%")


if __name__ == "__main__":
    main()
