"""Turns bench/results/speed.jsonl (bench/speed.sh) into the markdown table of ratios in bench/RESULTS.md."""
import json
import sys

TARGETS = {"train": ">= 1.0", "inference": "-", "ranking": "<= 1.0", "abl_vs_plain": "<= 1.1",
           "server_overhead": "-"}
LABELS = {"train": "training images/s", "inference": "inference images/s",
          "ranking": "loss ranking pass over the training set (s)"}


def main(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    by = {(r["engine"], r["bench"], r.get("model")): r for r in rows}
    print("| figure | model | images | ablserve | PyTorch | ratio ablserve / PyTorch | target |")
    print("|---|---|---|---|---|---|---|")
    for bench in ("train", "inference", "ranking"):
        for model in ("small_cnn", "wrn_16_1"):
            a, t = by.get(("ablserve", bench, model)), by.get(("pytorch", bench, model))
            if not a or not t:
                continue
            fmt = "{:.0f}" if a["unit"] == "images/s" else "{:.2f} s"
            print(f"| {LABELS[bench]} | {model} | {a['images']} | {fmt.format(a['value'])} | "
                  f"{fmt.format(t['value'])} | {a['value'] / t['value']:.2f}x | {TARGETS[bench]} |")
    a = by.get(("ablserve", "abl_vs_plain", "small_cnn"))
    if a:
        print(f"| full ABL session / plain training, {a['epochs']} epochs | small_cnn | {a['images']} | "
              f"ABL {a['abl_wall_ms'] / 1000:.1f} s | plain {a['plain_wall_ms'] / 1000:.1f} s | "
              f"{a['value']:.3f}x (ABL / plain) | {TARGETS['abl_vs_plain']} |")
    s = by.get(("ablserve", "server_overhead", "small_cnn"))
    if s:
        print(f"| ABL session over gRPC, 1 watcher / in-process call, {s['epochs']} epochs | small_cnn | "
              f"{s['images']} | server {s['server_wall_ms'] / 1000:.1f} s | direct {s['direct_wall_ms'] / 1000:.1f} s | "
              f"{s['value']:.3f}x (server / direct) | - |")
    single = [(b, m) for (e, b, m), r in by.items() if e == "ablserve" and r.get("threads") == 1
              and "cpu_value" in r and "cpu_value" in by.get(("pytorch", b, m), {})]
    if single:
        # With one intra-op thread each side's CPU time (the DJL training thread's, the Python process's)
        # measures the work done even on a shared machine.
        print()
        print("By CPU time (1 thread): " + ", ".join(
            f"{b} {m} {by[('ablserve', b, m)]['cpu_value'] / by[('pytorch', b, m)]['cpu_value']:.2f}x"
            for b, m in single))
    engines = sorted({f"{r['engine']}: {r['engine_version']}, {r['threads']} threads / {r['interop_threads']} inter-op"
                      for r in rows})
    print()
    for e in engines:
        print(f"- {e}")
    if a:
        print(f"- ABL breakdown: training loops {a['abl_train_loop_ms'] / 1000:.1f} s (plain "
              f"{a['plain_train_loop_ms'] / 1000:.1f} s), ranking pass {a['abl_ranking_ms'] / 1000:.2f} s; "
              f"runs ABL {a['abl_runs_ms']} ms, plain {a['plain_runs_ms']} ms; CA/ASR ABL "
              f"{a['abl_ca']:.3f}/{a['abl_asr']:.3f}, plain {a['plain_ca']:.3f}/{a['plain_asr']:.3f}")
    if a and "cpu_value" in a:
        print(f"- ABL / plain by process CPU time: {a['cpu_value']:.3f}x (ABL {a['abl_cpu_ms']} ms, plain "
              f"{a['plain_cpu_ms']} ms; meaningful with 1 thread)")
    if s:
        print(f"- server runs {s['server_runs_ms']} ms, direct runs {s['direct_runs_ms']} ms")
    if s and "cpu_value" in s:
        print(f"- server / direct by process CPU time: {s['cpu_value']:.3f}x (server {s['server_cpu_ms']} ms, "
              f"direct {s['direct_cpu_ms']} ms; meaningful with 1 thread)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/results/speed.jsonl")
