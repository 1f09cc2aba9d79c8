#!/usr/bin/env python3
"""Runs OR-Tools' routing solver on the rows of the TOPTW best-known-scores table, under the
same distance convention and the same independent check as benches/toptw.py, and writes
benches/ortools_results.md: the peer our planner is compared with in benches/README.md.

    python3 -m pip install ortools            # from PyPI
    python3 benches/ortools_toptw.py [--seconds 1] [--rows 110] [--bench-dir ../shared/benchmarks/toptw]

The model is the usual one for an orienteering problem in OR-Tools: one vehicle per tour from
and back to vertex 0, a time dimension whose transit is the truncated Euclidean distance plus
the service time (both in the file's units scaled by 10 for Solomon files and 100 for `pr`
files, so every number is an exact integer), each site's window as a hard window, and each site
optional behind a disjunction whose penalty is its score, so dropping a site costs its score.
First solution PATH_CHEAPEST_ARC, then guided local search for the given wall-clock seconds.
Every returned route is re-checked by `toptw.check` and its score recomputed from the file.
"""
import argparse
import csv
import math
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from toptw import ROOT, check, read_instance  # noqa: E402  (the same reader and checker)


def solve(path, tours, seconds):
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    scale = 100 if path.stem.startswith("pr") else 10
    v = read_instance(path)
    n = len(v)

    def travel(a, b):
        squared = (v[a]["x"] - v[b]["x"]) ** 2 + (v[a]["y"] - v[b]["y"]) ** 2
        return math.isqrt(scale * scale * squared // 1_000_000)

    manager = pywrapcp.RoutingIndexManager(n, tours, 0)
    routing = pywrapcp.RoutingModel(manager)
    matrix = [[travel(a, b) + v[a]["service"] * scale for b in range(n)] for a in range(n)]

    def transit(i, j):
        return matrix[manager.IndexToNode(i)][manager.IndexToNode(j)]

    callback = routing.RegisterTransitCallback(transit)
    routing.SetArcCostEvaluatorOfAllVehicles(callback)
    horizon = v[0]["close"] * scale
    routing.AddDimension(callback, horizon, horizon, False, "time")
    time = routing.GetDimensionOrDie("time")
    for node in range(1, n):
        index = manager.NodeToIndex(node)
        time.CumulVar(index).SetRange(v[node]["open"] * scale, v[node]["close"] * scale)
        # Dropping a site costs its score, scaled above any route's length so score comes first.
        routing.AddDisjunction([index], v[node]["score"] * horizon * 10)
    for vehicle in range(tours):
        time.CumulVar(routing.Start(vehicle)).SetRange(v[0]["open"] * scale, horizon)
        time.CumulVar(routing.End(vehicle)).SetRange(v[0]["open"] * scale, horizon)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    solution = routing.SolveWithParameters(params)
    routes = []
    if solution:
        for vehicle in range(tours):
            index, route = routing.Start(vehicle), []
            index = solution.Value(routing.NextVar(index))
            while not routing.IsEnd(index):
                route.append(manager.IndexToNode(index))
                index = solution.Value(routing.NextVar(index))
            if route:
                routes.append(route)
    return routes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--rows", type=int, default=0, help="only the first N rows (0: all)")
    parser.add_argument("--bench-dir", default=str(ROOT.parent / "shared" / "benchmarks" / "toptw"))
    parser.add_argument("--out", default=str(ROOT / "benches" / "ortools_results.md"))
    args = parser.parse_args()
    import ortools

    bench = Path(args.bench_dir)
    rows = list(csv.DictReader(open(bench / "bks.csv")))
    if args.rows:
        rows = rows[: args.rows]
    results = []
    for row in rows:
        path = bench / "instances" / f"{row['instance']}.txt"
        tours, bks = int(row["m"]), int(row["bks_score"])
        routes = solve(path, tours, args.seconds)
        score, problems = check(path, routes, tours)
        gap = 100.0 * (bks - score) / bks
        results.append((row["instance"], tours, score, bks, gap, not problems, problems))
        print(f"{row['instance']:>6} m={tours} score {score:>5} bks {bks:>5} gap {gap:6.2f}% {'ok' if not problems else problems}", file=sys.stderr)
    gaps = [r[4] for r in results]
    feasible = sum(1 for r in results if r[5])
    lines = [
        "# OR-Tools on the TOPTW benchmark",
        "",
        f"Command: `python3 benches/ortools_toptw.py --seconds {args.seconds:g}` (OR-Tools {ortools.__version__}, "
        "guided local search, one instance at a time on this 2-core machine).",
        "",
        "Routes re-checked and scores recomputed by `benches/toptw.py`'s checker. Gap % = (BKS − score) / BKS.",
        "",
        f"**Rows: {len(results)}, feasible: {feasible}, mean gap: {statistics.mean(gaps):.2f} %, "
        f"median gap: {statistics.median(gaps):.2f} %, worst gap: {max(gaps):.2f} %.**",
        "",
        "| instance | m | score | BKS | gap % | feasible |",
        "|---|---|---|---|---|---|",
    ]
    for name, m, score, bks, gap, ok, problems in results:
        lines.append(f"| {name} | {m} | {score} | {bks} | {gap:.2f} | {'yes' if ok else 'NO: ' + '; '.join(problems)} |")
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"mean gap {statistics.mean(gaps):.2f} %, feasible {feasible}/{len(results)}", file=sys.stderr)
    return 0 if feasible == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
