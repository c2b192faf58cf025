"""Turns bench/results/abl-eval.jsonl rows into the markdown tables of bench/RESULTS.md."""
# Named abl_table, not tabulate: bench/ is first on the path of the Python scripts here, and torch
# (bench/torch_reference.py) imports the tabulate package.
import json
import sys

ATTACKS = ["BADNETS", "BLEND", "TROJAN", "SIG", "WANET"]
VARIANTS = ["none", "abl", "abl-paper", "official"]


def pct(v):
    return "-" if v is None else f"{100 * v:.1f}%"


def variant(r):
    return r["label"].split()[-1]


def order(r):
    rate_key = 0 if "@" not in r["label"] else 1 + float(r["label"].split("@")[1].split()[0])
    return (rate_key, ATTACKS.index(r["attack"]) if r["attack"] in ATTACKS else 99,
            VARIANTS.index(variant(r)) if variant(r) in VARIANTS else 99, r["label"])


def targets(rows):
    by = {(r["attack"], variant(r)): r for r in rows if "@" not in r["label"]}
    print("| attack (10%, SIG 8%) | no defence ASR (target >= 90%) | ABL ASR (target <= 5%) "
          "| ABL CA vs no defence (target within 2 points) | isolation precision (target >= 90%) |")
    print("|---|---|---|---|---|")
    for a in ATTACKS:
        none, abl = by.get((a, "none")), by.get((a, "abl"))
        if not none or not abl:
            continue
        gap = 100 * (abl["ca"] - none["ca"])
        print(f"| {a} | {pct(none['asr'])} {'met' if none['asr'] >= 0.9 else 'not met'} "
              f"| {pct(abl['asr'])} {'met' if abl['asr'] <= 0.05 else 'not met'} "
              f"| {pct(abl['ca'])} vs {pct(none['ca'])} ({gap:+.1f}) {'met' if gap >= -2 else 'not met'} "
              f"| {pct(abl['precision'])} {'met' if (abl['precision'] or 0) >= 0.9 else 'not met'} |")
    print()


def main(path):
    rows = sorted((json.loads(line) for line in open(path) if line.strip()), key=order)
    targets(rows)
    print("| run | CA | ASR | isolation precision / recall | expanded (precision / recall) "
          "| filtered (precision / recall) | turning epoch | time |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        exp = "-" if not r.get("expanded") else (
            f"{r['expanded']} ({pct(r['expansion_precision'])} / {pct(r['expansion_recall'])})")
        filt = "-" if not r.get("filter_removed") else (
            f"{r['filter_removed']} ({pct(r['filter_precision'])} / {pct(r['filter_recall'])})")
        iso = "-" if r["precision"] is None else f"{pct(r['precision'])} / {pct(r['recall'])}"
        turning = "-" if r["defense"] == "NONE" else r.get("turning_epoch", r["isolation_epochs"])
        print(f"| {r['label']} | {pct(r['ca'])} | {pct(r['asr'])} | {iso} | {exp} | {filt} | {turning} "
              f"| {r['elapsed_ms'] / 1000:.0f} s |")
    print()
    print("Per-epoch curves (epoch: CA / ASR / mean training loss of poisoned / clean samples):")
    print()
    for r in rows:
        print(f"- {r['label']}: `{r['curves']}`")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/results/abl-eval.jsonl")
