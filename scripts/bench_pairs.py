#!/usr/bin/env python3
"""Tells two builds of kafka-bench apart on one path: pairs of single runs, each run in its own
process with its own mock cluster (`kafka-bench producer --only PATH`), the two builds
alternating which goes first. On a shared machine whose speed drifts by tens of percent within
minutes, a pair compares like with like; the summary counts how many pairs the new build won.

    scripts/bench_pairs.py NEW_KAFKA_BENCH OLD_KAFKA_BENCH swift-completion --pairs 11

Prints the median of the pairs' throughput ratios (new/old, above 1: new is faster), the ratio
of the medians, the pairs won, and the median CPU seconds and wall seconds of each build.
Standard library only."""
import argparse
import statistics
import subprocess
import sys


def run(binary, path, messages, size):
    """One run: (wall seconds of the timed part, the process's CPU seconds)."""
    try:
        done = subprocess.run([binary, "producer", "--only", path, "--messages", str(messages), "--sizes", str(size)],
                              capture_output=True, text=True)
    except OSError as error:
        sys.exit(f"cannot run {binary}: {error.strerror}")
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        sys.exit(f"{binary} --only {path} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    fields = lines[-1].split()
    return float(fields[0]), float(fields[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("new")
    parser.add_argument("old")
    parser.add_argument("path", help="a kafka-bench --paths name, e.g. swift-completion")
    parser.add_argument("--pairs", type=int, default=11)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--size", type=int, default=100)
    args = parser.parse_args()
    if args.pairs < 1 or args.messages < 1 or args.size < 1:
        sys.exit("--pairs, --messages and --size must be positive")

    pairs = []
    for index in range(args.pairs):
        order = [("new", args.new), ("old", args.old)]
        if index % 2:
            order.reverse()
        pairs.append({name: run(binary, args.path, args.messages, args.size) for name, binary in order})

    ratios = [pair["old"][0] / pair["new"][0] for pair in pairs]
    median = {name: (statistics.median(p[name][0] for p in pairs), statistics.median(p[name][1] for p in pairs)) for name in ("new", "old")}
    print(f"{args.path}, {args.size} B, {args.messages} messages, {args.pairs} pairs: new/old throughput "
          f"{statistics.median(ratios):.3f} (median of the pairs), {median['old'][0] / median['new'][0]:.3f} (ratio of the medians); "
          f"new faster in {sum(r > 1 for r in ratios)}/{args.pairs}; CPU s new {median['new'][1]:.3f}, old {median['old'][1]:.3f}; "
          f"wall s new {median['new'][0]:.3f}, old {median['old'][0]:.3f}")


if __name__ == "__main__":
    main()
