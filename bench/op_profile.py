"""Compares two libtorch profiler traces op by op: the Chrome traces that `SpeedBench micro --profile DIR`
(DJL's JniUtils.startProfile) and `torch_reference.py --profile DIR` (torch.autograd.profiler) write for one
training epoch of the same model. Prints each op's self time (its duration less that of the ops it called),
its call count on both sides, and the totals, so the gap between the two training loops shows by op.

    python3 bench/op_profile.py DIR/ablserve-small_cnn.json DIR/pytorch-small_cnn.json [--top 25]
"""
import argparse
import collections
import json


def self_times(path):
    """{op name: [self microseconds, calls]} and the traced wall time of all top-level ops, in microseconds."""
    with open(path) as f:
        trace = json.load(f)
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    by_thread = collections.defaultdict(list)
    for e in events:
        if e.get("ph") == "X" and "dur" in e:
            by_thread[(e.get("pid"), e.get("tid"))].append(e)
    ops = collections.defaultdict(lambda: [0.0, 0])
    top_level = 0.0
    for thread_events in by_thread.values():
        thread_events.sort(key=lambda e: (float(e["ts"]), -float(e["dur"])))
        stack = []  # [end, name, child time]
        def pop_until(ts):
            while stack and stack[-1][0] <= ts:
                end, name, children, dur = stack.pop()
                ops[name][0] += dur - children
                ops[name][1] += 1
                if stack:
                    stack[-1][2] += dur
        for e in thread_events:
            ts, dur = float(e["ts"]), float(e["dur"])
            pop_until(ts)
            if not stack:
                top_level += dur
            stack.append([ts + dur, e["name"], 0.0, dur])
        pop_until(float("inf"))
    return ops, top_level


def main():
    p = argparse.ArgumentParser()
    p.add_argument("ablserve")
    p.add_argument("pytorch")
    p.add_argument("--top", type=int, default=25)
    a = p.parse_args()
    left, left_total = self_times(a.ablserve)
    right, right_total = self_times(a.pytorch)
    names = sorted(set(left) | set(right), key=lambda n: -max(left.get(n, [0])[0], right.get(n, [0])[0]))
    print(f"| op | ablserve ms (calls) | PyTorch ms (calls) | difference ms |")
    print("|---|---|---|---|")
    for name in names[:a.top]:
        l, r = left.get(name, [0.0, 0]), right.get(name, [0.0, 0])
        print(f"| {name} | {l[0] / 1e3:.1f} ({l[1]}) | {r[0] / 1e3:.1f} ({r[1]}) | {(l[0] - r[0]) / 1e3:+.1f} |")
    print(f"| all top-level ops | {left_total / 1e3:.1f} | {right_total / 1e3:.1f} | "
          f"{(left_total - right_total) / 1e3:+.1f} |")


if __name__ == "__main__":
    main()
