"""Open-time overhead of the probe worker (docs/security.md) on the bundled samples.

For each sample in ``resources/samples``: ``neurodeck.open`` with the probe (the verdict
cache cleared before every call, so each open really goes through the worker) against
the same open without it, interleaved, equal repeats. Also timed: a cold start (the
worker process started and its reader libraries imported, then the first probe) and a
re-open of an unchanged file (the verdict cache).

Usage: ``python benchmarks/bench_probe.py [--quick]`` (``--quick``: 3 repeats, not 9).
"""

from __future__ import annotations

import argparse
import time

from harness import compare, environment, fmt_s, fmt_spread, strip_values, write_results

RESULTS = "probe"


def measure(repeats: int) -> dict:
    import neurodeck
    from neurodeck.paths import resource_path
    from neurodeck.safety import policy, probe

    samples = sorted(p for p in resource_path("samples").iterdir()
                     if p.suffix not in (".md", ".json"))
    neurodeck.open(samples[0])  # the app's own imports, before anything is timed

    def opener(path, use_probe):  # noqa: ANN001, ANN202
        def run():  # noqa: ANN202
            if use_probe:
                probe._PASSED.clear()
            with policy.using(probe=use_probe):
                return neurodeck.open(path)
        return run

    rows = []
    for path in samples:
        res = compare({"probe": opener(path, True), "no probe": opener(path, False)},
                      repeats=repeats)
        res = strip_values(res)
        res["sample"] = path.name
        res["size_bytes"] = path.stat().st_size
        rows.append(res)
    cold = []
    for _ in range(max(2, repeats // 3)):
        probe.shutdown()
        probe._PASSED.clear()
        t0 = time.perf_counter()
        neurodeck.open(samples[0])
        cold.append(time.perf_counter() - t0)
    cached = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        neurodeck.open(samples[0])
        cached.append(time.perf_counter() - t0)
    from harness import stats

    return {"samples": rows, "cold_first_open": {"sample": samples[0].name, **stats(cold)},
            "cached_reopen": {"sample": samples[0].name, **stats(cached)},
            "repeats": repeats}


def tables(doc: dict) -> dict[str, str]:
    env = doc["environment"]
    lines = ["| sample | size | open, no probe | open with probe | overhead (median) |",
             "|---|---|---|---|---|"]
    for r in doc["samples"]:
        a, b = r["no probe"]["wall"], r["probe"]["wall"]
        lines.append(f"| {r['sample']} | {r['size_bytes'] / 2**20:.2f} MiB | {fmt_spread(a)} "
                     f"| {fmt_spread(b)} | +{fmt_s(b['median'] - a['median'])} |")
    cold, cached = doc["cold_first_open"], doc["cached_reopen"]
    lines += ["",
              f"First open after start-up ({cold['sample']}, worker started and its reader "
              f"libraries imported): median {fmt_s(cold['median'])} "
              f"({fmt_s(cold['min'])}-{fmt_s(cold['max'])}, {cold['n']} runs). Re-opening an "
              f"unchanged file (verdict cached: no probe, only the app's own read): median "
              f"{fmt_s(cached['median'])}.",
              "",
              f"Median (min-max) of {doc['repeats']} interleaved runs each, wall time; "
              f"{env['cpu_count']} cores, load average {env['loadavg_start']} -> "
              f"{env['loadavg_end']}, Python {env['python']}, {env['date'][:10]}."]
    return {"probe-overhead": "\n".join(lines)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    env = environment()
    data = measure(3 if args.quick else 9)
    write_results(RESULTS, data, quick=args.quick, env=env)
    print(tables({**data, "environment": {**env, "loadavg_end": env["loadavg_start"]}})[
        "probe-overhead"])


if __name__ == "__main__":
    main()
