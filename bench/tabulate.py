"""Turns bench/results/abl-eval.jsonl rows into the markdown tables of bench/RESULTS.md."""
import json
import sys


def pct(v):
    return "-" if v is None else f"{100 * v:.1f}%"


def main(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    print("| run | attack | poison | defence | CA | ASR | isolation precision | recall | filtered (precision / recall) | time |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        defence = "none" if r["defense"] == "NONE" else r["label"].split()[-1]
        filt = "-" if not r.get("filter_removed") else (
            f"{r['filter_removed']} ({pct(r['filter_precision'])} / {pct(r['filter_recall'])})")
        print(f"| {r['label']} | {r['attack']} | {pct(r['poison_rate'])} | {defence} | {pct(r['ca'])} | "
              f"{pct(r['asr'])} | {pct(r['precision'])} | {pct(r['recall'])} | {filt} | {r['elapsed_ms'] / 1000:.0f} s |")
    print()
    print("Per-epoch curves (epoch: CA / ASR / mean training loss of poisoned / clean samples):")
    print()
    for r in rows:
        print(f"- {r['label']}: `{r['curves']}`")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/results/abl-eval.jsonl")
