"""Prints the paired table of bench/abl-grid.sh: each cell's undefended run beside its ABL run, the
targets of issue #13 checked cell by cell, worst case first. Usage: python3 bench/abl_grid_table.py ROWS.jsonl"""
import json
import sys


def load(path):
    runs = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                runs[(row["label"], row["defense"])] = row
    return runs


def pct(value):
    return "-" if value is None else f"{100 * value:.1f}"


def judge(cell, none, abl):
    """The issue's target for this cell, and whether the ABL run met it."""
    attack, rate = cell.split("@")[0], float(cell.split("@")[1].split()[0])
    d_ca = 100 * (abl["ca"] - none["ca"])
    d_target = None if abl["target_ca"] is None or none["target_ca"] is None else 100 * (abl["target_ca"] - none["target_ca"])
    confirmed = abl["verdict"] == "confirmed"
    precision_ok = not confirmed or (abl["expansion_precision"] or 0) >= 0.95
    if attack == "NONE":
        ok = abs(d_ca) <= 0.5 and not confirmed
        return ok, "CA within 0.5, none confirmed"
    asr = abl["asr"] if abl["asr"] is not None else 0
    if attack in ("BADNETS", "BLEND", "TROJAN") and rate in (0.05, 0.1, 0.2):
        ok = asr <= 0.03 and d_ca >= -1 and (d_target is None or d_target >= -3) and precision_ok
        return ok, "ASR<=3, CA-1, target-3"
    defended = asr <= 0.05 and precision_ok and d_ca >= -1
    honest = not confirmed and d_ca >= -1
    return defended or honest, "ASR<=5 or honest none, CA-1"


def main(path):
    runs = load(path)
    cells = sorted({label for label, _ in runs})
    rows = []
    for cell in cells:
        none, abl = runs.get((cell, "NONE")), runs.get((cell, "ABL"))
        if none is None or abl is None:
            print(f"{cell}: missing a side ({'NONE' if none is None else 'ABL'})")
            continue
        ok, target = judge(cell, none, abl)
        d_ca = 100 * (abl["ca"] - none["ca"])
        rows.append((ok, d_ca, cell, none, abl, target))
    # Worst first: missed targets, then by CA lost.
    rows.sort(key=lambda r: (r[0], r[1]))
    print("| cell | none CA / ASR / target CA | ABL CA / ASR / target CA | dCA | min class CA (ABL) | verdict (evidence, margin) | D_b ascended (precision / recall) | target | met |")
    print("|---|---|---|---|---|---|---|---|---|")
    for ok, d_ca, cell, none, abl, target in rows:
        verdict = f"{abl['verdict']} label {abl['verdict_label']} ({abl['evidence']:.2f}, {abl['margin']:+.2f})" if abl.get("evidence") is not None else abl["verdict"]
        ascended = "-" if abl["verdict"] != "confirmed" else f"{abl['ascended']} ({pct(abl['expansion_precision'])} / {pct(abl['expansion_recall'])})"
        print(f"| {cell} | {pct(none['ca'])} / {pct(none['asr'])} / {pct(none['target_ca'])} | {pct(abl['ca'])} / {pct(abl['asr'])} / {pct(abl['target_ca'])} "
              f"| {d_ca:+.1f} | {pct(abl['min_class_ca'])} | {verdict} | {ascended} | {target} | {'yes' if ok else '**no**'} |")
    losses = sorted(r[1] for r in rows)
    if losses:
        print(f"\n{sum(r[0] for r in rows)} of {len(rows)} cells met their target; CA change vs no defence: worst {losses[0]:+.1f},"
              f" median {losses[len(losses) // 2]:+.1f} points.")


if __name__ == "__main__":
    main(sys.argv[1])
