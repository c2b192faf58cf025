"""Prints bench/table1.sh's rows in the layout of the ABL paper's Table 1: a row per attack, an ASR/CA pair per
defence (mean over the rows of that attack and defence, their count in brackets when more than one), and the
paper's CIFAR-10 figures for the defences it reports (No defense, FP, MCR, NAD, ABL; it has no FT column) beside
ours.
Markdown on stdout. Usage: python3 bench/table1.py ROWS.jsonl [MORE.jsonl ...]"""
import json
import sys
from collections import defaultdict

ORDER = ["NONE", "FT", "FP", "NAD", "MCR", "ABL"]
NAMES = {"NONE": "No defense", "FT": "FT", "FP": "FP", "NAD": "NAD", "MCR": "MCR", "ABL": "ABL"}
ATTACKS = ["NONE", "BADNETS", "TROJAN", "BLEND", "DYNAMIC", "SIG", "CL", "WANET"]
# The paper's Table 1, CIFAR-10 (ASR %, CA %): its rows None, BadNets, Trojan, Blend, Dynamic, SIG, CL.
PAPER = {
    "NONE": {"NONE": (0, 89.12), "FP": (0, 85.14), "MCR": (0, 87.49), "NAD": (0, 88.18), "ABL": (0, 88.41)},
    "BADNETS": {"NONE": (100, 85.43), "FP": (99.98, 82.14), "MCR": (3.32, 78.49), "NAD": (3.56, 82.18),
                "ABL": (3.04, 86.11)},
    "TROJAN": {"NONE": (100, 82.14), "FP": (66.93, 80.17), "MCR": (23.88, 76.47), "NAD": (18.16, 80.23),
               "ABL": (3.81, 87.46)},
    "BLEND": {"NONE": (100, 84.51), "FP": (85.62, 81.33), "MCR": (31.85, 76.53), "NAD": (4.56, 82.04),
              "ABL": (16.23, 84.06)},
    "DYNAMIC": {"NONE": (100, 83.88), "FP": (87.18, 80.37), "MCR": (26.86, 70.36), "NAD": (22.50, 74.95),
                "ABL": (18.46, 85.34)},
    "SIG": {"NONE": (99.46, 84.16), "FP": (76.32, 81.12), "MCR": (0.14, 78.65), "NAD": (1.92, 82.01),
            "ABL": (0.09, 88.27)},
    "CL": {"NONE": (99.83, 83.43), "FP": (54.95, 81.53), "MCR": (19.86, 77.36), "NAD": (16.11, 80.73),
           "ABL": (0, 89.03)},
}


def load(paths):
    """(attack, defence) -> the rows' (ASR, CA) in percent; for attack NONE the ASR is 0 by definition."""
    cells = defaultdict(list)
    for path in paths:
        with open(path) as f:
            for line in f:
                if line.strip():
                    row = json.loads(line)
                    asr = 0.0 if row["attack"] == "NONE" or row["asr"] is None else 100 * row["asr"]
                    cells[(row["attack"], row["defense"])].append((asr, 100 * row["ca"]))
    return cells


def fmt(values):
    if not values:
        return "-", "-"
    asr = sum(v[0] for v in values) / len(values)
    ca = sum(v[1] for v in values) / len(values)
    n = f" ({len(values)})" if len(values) > 1 else ""
    return f"{asr:.1f}{n}", f"{ca:.1f}{n}"


def table(cells):
    defenses = [d for d in ORDER if any(k[1] == d for k in cells)]
    defenses += sorted({k[1] for k in cells} - set(defenses))
    attacks = [a for a in ATTACKS if any(k[0] == a for k in cells)]
    attacks += sorted({k[0] for k in cells} - set(attacks))
    head = ["attack"]
    for d in defenses:
        head += [f"{NAMES.get(d, d)} ASR", f"{NAMES.get(d, d)} CA"]
    paper_defs = [d for d in ("NONE", "FP", "MCR", "NAD", "ABL") if d in defenses]
    head += [f"paper {NAMES[d]} ASR/CA" for d in paper_defs]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    averages = defaultdict(list)
    for a in attacks:
        row = ["clean data" if a == "NONE" else a]
        for d in defenses:
            row += fmt(cells.get((a, d), []))
            if a != "NONE":
                averages[d] += cells.get((a, d), [])
        for d in paper_defs:
            p = PAPER.get(a, {}).get(d)
            row.append("-" if p is None else f"{p[0]:g} / {p[1]:g}")
        lines.append("| " + " | ".join(row) + " |")
    row = ["mean over attacks (rows)"]
    for d in defenses:
        row += fmt(averages[d])
    row += [""] * len(paper_defs)
    lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print(table(load(sys.argv[1:])))
