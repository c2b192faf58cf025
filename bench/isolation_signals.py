#!/usr/bin/env python3
"""Tabulates bench/isolation-signals.sh rows: per cell and signal, the pick's precision (the isolation ratio's
lowest scores), the score's AUROC against the poisoning ground truth, and the backdoor check's verdict with each
label's split started from that signal. Then the mean over cells of each signal's AUROC and pick precision.

usage: bench/isolation_signals.py [ROWS.jsonl ...]   (default bench/results/isolation-signals.jsonl)
"""
import json
import statistics
import sys
from pathlib import Path

SIGNALS = ("LOSS", "LOSS_DROP", "TRANSFORM_SENSITIVITY", "SPECTRAL", "COMBINED")


def cell(v: dict) -> str:
    pick = "-" if v["precision"] is None else f"{100 * v['precision']:.0f}"
    auroc = "-" if v["auroc"] is None else f"{v['auroc']:.2f}"
    check = f"conf. {v['label']} ({v['evidence']:.1f})" if v["confirmed"] else f"none ({v['evidence']:.1f})"
    return f"{pick} / {auroc} / {check}"


def main(paths):
    rows = [json.loads(line) for p in paths for line in Path(p).read_text().splitlines() if line.strip()]
    print("| cell | " + " | ".join(s.lower() for s in SIGNALS) + " |")
    print("|---|" + "---|" * len(SIGNALS))
    for r in rows:
        print(f"| {r['label']} | " + " | ".join(cell(r["signals"][s]) for s in SIGNALS) + " |")
    print("\n(pick precision % / AUROC / the check's verdict: confirmed label or none, and the strongest evidence)\n")
    print("| signal | mean AUROC | worst AUROC | mean pick precision % | cells where the check's verdict differs from loss's |")
    print("|---|---|---|---|---|")
    for s in SIGNALS:
        aurocs = [r["signals"][s]["auroc"] for r in rows if r["signals"][s]["auroc"] is not None]
        picks = [r["signals"][s]["precision"] for r in rows if r["signals"][s]["precision"] is not None]
        differ = sum((r["signals"][s]["confirmed"], r["signals"][s]["label"])
                     != (r["signals"]["LOSS"]["confirmed"], r["signals"]["LOSS"]["label"]) for r in rows)
        print(f"| {s.lower()} | {statistics.mean(aurocs):.3f} | {min(aurocs):.3f} | "
              f"{100 * statistics.mean(picks):.1f} | {differ} of {len(rows)} |" if aurocs else f"| {s.lower()} | - | - | - | - |")


if __name__ == "__main__":
    main(sys.argv[1:] or ["bench/results/isolation-signals.jsonl"])
