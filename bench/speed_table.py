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
    if s:
        print(f"- server runs {s['server_runs_ms']} ms, direct runs {s['direct_runs_ms']} ms")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/results/speed.jsonl")
