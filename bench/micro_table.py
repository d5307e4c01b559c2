#!/usr/bin/env python3
"""Turns Google Benchmark JSON (stdin) into rows of bench/run's micro-benchmark table.

Usage: BENCH --benchmark_format=json | micro_table.py BINARY_NAME LOAD
"""
import json
import sys

BUILTIN = {
    "name", "family_index", "per_family_instance_index", "run_name", "run_type", "repetitions",
    "repetition_index", "threads", "iterations", "real_time", "cpu_time", "time_unit",
    "items_per_second", "bytes_per_second", "error_occurred", "error_message", "label",
    "aggregate_name", "aggregate_unit",
}


def human(x, unit):
    if x is None:
        return "–"
    for scale, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if x >= scale:
            return f"{x / scale:.2f} {prefix}{unit}" if prefix == "G" else f"{x / scale:.1f} {prefix}{unit}"
    return f"{x:.0f} {unit}"


def main():
    binary, load = sys.argv[1], sys.argv[2]
    data = json.load(sys.stdin)
    for b in data.get("benchmarks", []):
        if b.get("error_occurred"):
            extra = "ERROR " + b.get("error_message", "")
        else:
            extra = ", ".join(f"{k}={v:.4g}" for k, v in b.items()
                              if k not in BUILTIN and isinstance(v, (int, float)))
        unit = b.get("time_unit", "ns")
        print(f"| {binary}: {b['name']} | {b.get('real_time', 0):.2f} {unit} | "
              f"{b.get('cpu_time', 0):.2f} {unit} | {human(b.get('items_per_second'), '')} | "
              f"{human(b.get('bytes_per_second'), 'B')} | {extra} | {load} |")


if __name__ == "__main__":
    main()
