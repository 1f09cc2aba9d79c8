#!/usr/bin/env python3
"""Runs the planner on every row of the TOPTW best-known-scores table and writes
benches/toptw_results.md.

    python3 benches/toptw.py [--seconds 1,3,10] [--seed 0] [--bench-dir ../shared/benchmarks/toptw]

`tests/run.sh` runs it on the small subset in `tests/data/toptw` (its own `bks.csv`, instances
beside it) with the debug binary and a short limit, so a planner change that breaks
feasibility fails the tests; the exit status is 1 when any route is infeasible.

Builds the release binary, runs `visitmatch toptw FILE --tours M --seconds S` once per row
(one at a time, so each run has the machine to itself), re-checks every returned route here
with the benchmark's own rule (Euclidean distance truncated to 1 decimal for Solomon files,
2 for `pr` files; exact integer arithmetic), and recomputes the score from the file.
"""
import argparse
import csv
import json
import math
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def read_instance(path):
    lines = [l.split() for l in path.read_text().splitlines() if l.strip()]
    n = int(float(lines[0][2]))
    vertices = []
    for fields in lines[2 : 2 + n + 1]:
        vertices.append({
            "x": round(float(fields[1]) * 1000),
            "y": round(float(fields[2]) * 1000),
            "service": int(float(fields[3])),
            "score": int(float(fields[4])),
            "open": int(float(fields[-2])),
            "close": int(float(fields[-1])),
        })
    return vertices


def check(path, routes, tours):
    """Returns (score, problems) for the routes under the truncated-distance rule."""
    scale = 100 if path.stem.startswith("pr") else 10
    v = read_instance(path)

    def travel(a, b):
        squared = (v[a]["x"] - v[b]["x"]) ** 2 + (v[a]["y"] - v[b]["y"]) ** 2
        return math.isqrt(scale * scale * squared // 1_000_000)

    problems, seen, score = [], set(), 0
    if len(routes) > tours:
        problems.append(f"{len(routes)} routes for {tours} tours")
    for r, route in enumerate(routes):
        clock, here = v[0]["open"] * scale, 0
        for site in route:
            if site in seen or not 1 <= site < len(v):
                problems.append(f"route {r}: vertex {site} repeated or unknown")
            seen.add(site)
            start = max(clock + travel(here, site), v[site]["open"] * scale)
            if start > v[site]["close"] * scale:
                problems.append(f"route {r}: vertex {site} starts at {start / scale} after {v[site]['close']}")
            clock, here = start + v[site]["service"] * scale, site
            score += v[site]["score"]
        if clock + travel(here, 0) > v[0]["close"] * scale:
            problems.append(f"route {r}: back at {(clock + travel(here, 0)) / scale} after {v[0]['close']}")
    return score, problems


def summary(results):
    gaps = [r["gap"] for r in results]
    feasible = sum(1 for r in results if r["ok"])
    return (f"rows: {len(results)}, feasible: {feasible}, mean gap: {statistics.mean(gaps):.2f} %, "
            f"median gap: {statistics.median(gaps):.2f} %, worst gap: {max(gaps):.2f} %, "
            f"rows at or above BKS: {sum(1 for g in gaps if g <= 0)}, "
            f"mean time: {statistics.mean(r['seconds'] for r in results):.2f} s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", default="1", help="time limit per row; several (`1,3,10`) give the anytime curve")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bench-dir", default=str(ROOT.parent / "shared" / "benchmarks" / "toptw"))
    parser.add_argument("--out", default=str(ROOT / "benches" / "toptw_results.md"))
    parser.add_argument("--instances-dir", help="where the instance files are (default: BENCH_DIR/instances)")
    parser.add_argument("--binary", help="a visitmatch binary already built (skips the release build)")
    parser.add_argument("--commit", default="", help="the commit measured, for the report")
    args = parser.parse_args()
    limits = [float(x) for x in args.seconds.split(",")]
    bench = Path(args.bench_dir)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    if args.binary:
        binary = Path(args.binary)
    else:
        subprocess.run(["cargo", "build", "--release", "--locked", "--bin", "visitmatch"], cwd=ROOT, check=True)
        binary = target / "release" / "visitmatch"

    rows = list(csv.DictReader(open(bench / "bks.csv")))
    results = {limit: [] for limit in limits}
    for limit in limits:
        for row in rows:
            path = Path(args.instances_dir or bench / "instances") / f"{row['instance']}.txt"
            tours, bks = int(row["m"]), int(row["bks_score"])
            out = subprocess.run(
                [str(binary), "toptw", str(path), "--tours", str(tours), "--seconds", str(limit), "--seed", str(args.seed)],
                capture_output=True, text=True,
            )
            answer = json.loads(out.stdout)
            score, problems = check(path, answer["routes"], tours)
            if score != answer["score"]:
                problems.append(f"reported score {answer['score']} but the routes score {score}")
            gap = 100.0 * (bks - score) / bks
            results[limit].append({"instance": row["instance"], "m": tours, "score": score, "bks": bks, "gap": gap,
                                   "seconds": answer["seconds"], "ok": not problems, "problems": problems})
            print(f"{limit:g}s {row['instance']:>6} m={tours} score {score:>5} bks {bks:>5} gap {gap:6.2f}% "
                  f"{answer['seconds']:.2f}s {'ok' if not problems else problems}", file=sys.stderr)

    first = results[limits[0]]
    commit = f", measured on {args.commit}" if args.commit else ""
    lines = [
        "# TOPTW benchmark results",
        "",
        f"Command: `python3 benches/toptw.py --seconds {args.seconds} --seed {args.seed}` "
        f"(release build, one instance at a time on this 2-core machine{commit}).",
        "",
        "Every route was re-checked by the script itself with the benchmark's rule (Euclidean",
        "distances truncated to 1 decimal for Solomon files, 2 for `pr` files) and the score",
        "recomputed from the instance file. Gap % = (BKS − score) / BKS; negative means above the BKS.",
        "The two cores run a portfolio: one search with the default ruins, one with ruins twice as",
        "large and, for a single tour, a fresh start around a random site after 500 iterations without progress (`SearchParams::explorer`), different seeds; the better plan is kept.",
        "",
    ]
    for limit in limits:
        lines.append(f"**At {limit:g} s per row — {summary(results[limit])}.**")
        lines.append("")
    for label, keep in [("Solomon, m = 1", lambda r: not r["instance"].startswith("pr")),
                        ("pr01–pr10", lambda r: r["instance"].startswith("pr") and int(r["instance"][2:]) <= 10),
                        ("pr11–pr20", lambda r: r["instance"].startswith("pr") and int(r["instance"][2:]) > 10)] + \
                       [(f"m = {m}", (lambda m: lambda r: r["m"] == m)(m)) for m in sorted({r["m"] for r in first})]:
        parts = []
        for limit in limits:
            part = [r["gap"] for r in results[limit] if keep(r)]
            if part:
                parts.append(f"{statistics.mean(part):.2f} % at {limit:g} s")
        if parts:
            lines.append(f"- {label}: {sum(1 for r in first if keep(r))} rows, mean gap " + ", ".join(parts))
    header = "| instance | m | BKS | " + " | ".join(f"score {l:g} s | gap % {l:g} s" for l in limits) + " | feasible |"
    lines += ["", header, "|" + "---|" * (3 + 2 * len(limits) + 1)]
    for i, r in enumerate(first):
        cells = []
        problems = []
        for limit in limits:
            x = results[limit][i]
            cells += [str(x["score"]), f"{x['gap']:.2f}"]
            problems += x["problems"]
        lines.append(f"| {r['instance']} | {r['m']} | {r['bks']} | " + " | ".join(cells) + f" | {'yes' if not problems else 'NO: ' + '; '.join(problems)} |")
    Path(args.out).write_text("\n".join(lines) + "\n")
    all_ok = all(r["ok"] for limit in limits for r in results[limit])
    for limit in limits:
        print(f"{limit:g} s: {summary(results[limit])}", file=sys.stderr)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
