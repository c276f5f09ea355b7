#!/usr/bin/python3
"""The independent oracle for multilateral clearing: networkx's network simplex (Debian's python3-networkx).

Clearing keeps every co-op's net position and minimises what stays owed: a minimum-cost flow where each
debtor->creditor total is an arc of that capacity and cost 1, and each co-op's demand is what it is owed
less what it owes. The cleared total is everything owed less the cost of that flow.

  networkx_clearing.py --csv FILE   obligations as CSV rows debtor,creditor,amount (optional header);
                                    prints JSON {owed, cleared, fraction, scale, parties, obligations,
                                    read_seconds, simplex_seconds}; amounts as decimal strings
  networkx_clearing.py              reads JSON on stdin and answers each request in it:
      {"graphs": [[[debtor, creditor, units], ...], ...]}       -> "cleared": ["units", ...]
      {"flows": [{"nodes": N, "arcs": [[source, target, capacity, cost], ...], "supplies": [...]}, ...]}
                                                                -> "costs": ["cost" or "infeasible", ...]
      (units, capacities, supplies: whole numbers; a supply is what a node sends, networkx's -demand)

Amounts are whole minor units (Python ints): exact.
"""
import csv
import json
import sys
import time
from decimal import Decimal

import networkx as nx


def cleared_units(obligations):
    """obligations: iterable of (debtor, creditor, units). Returns (owed, cleared) in units."""
    totals = {}
    for debtor, creditor, units in obligations:
        totals[(debtor, creditor)] = totals.get((debtor, creditor), 0) + units
    graph = nx.DiGraph()
    demand = {}
    for (debtor, creditor), units in totals.items():
        graph.add_edge(debtor, creditor, capacity=units, weight=1)
        demand[creditor] = demand.get(creditor, 0) + units
        demand[debtor] = demand.get(debtor, 0) - units
    owed = sum(totals.values())
    if owed == 0:
        return 0, 0
    nx.set_node_attributes(graph, demand, "demand")
    cost, _flows = nx.network_simplex(graph)
    return owed, owed - cost


def min_cost(problem):
    """A general minimum-cost flow (parallel arcs allowed): its cost, or "infeasible"."""
    graph = nx.MultiDiGraph()
    for node, supply in enumerate(problem["supplies"]):
        graph.add_node(node, demand=-int(supply))
    for source, target, capacity, cost in problem["arcs"]:
        graph.add_edge(int(source), int(target), capacity=int(capacity), weight=int(cost))
    if graph.number_of_nodes() == 0:
        return "0"
    try:
        cost, _flows = nx.network_simplex(graph)
    except nx.NetworkXUnfeasible:
        return "infeasible"
    return str(cost)


def read_csv(path):
    rows = []
    with open(path, newline="", encoding="utf-8") as handle:
        for index, row in enumerate(csv.reader(handle)):
            if not row or all(field.strip() == "" for field in row):
                continue
            if index == 0 and [field.strip().lower() for field in row] == ["debtor", "creditor", "amount"]:
                continue
            debtor, creditor, amount = row
            rows.append((debtor.strip(), creditor.strip(), Decimal(amount.strip())))
    scale = max((-amount.as_tuple().exponent for _, _, amount in rows), default=0)
    scale = max(scale, 0)
    return [(debtor, creditor, int(amount.scaleb(scale))) for debtor, creditor, amount in rows], scale


def decimal_text(units, scale):
    return str(Decimal(units).scaleb(-scale).quantize(Decimal(1).scaleb(-scale)))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--csv":
        started = time.perf_counter()
        obligations, scale = read_csv(sys.argv[2])
        read_seconds = time.perf_counter() - started
        started = time.perf_counter()
        owed, cleared = cleared_units(obligations)
        simplex_seconds = time.perf_counter() - started
        parties = len({party for debtor, creditor, _ in obligations for party in (debtor, creditor)})
        json.dump({
            "owed": decimal_text(owed, scale),
            "cleared": decimal_text(cleared, scale),
            "fraction": str((Decimal(cleared) / Decimal(owed)).quantize(Decimal("0.000001"))) if owed else "0.000000",
            "scale": scale,
            "parties": parties,
            "obligations": len(obligations),
            "read_seconds": read_seconds,
            "simplex_seconds": simplex_seconds,
        }, sys.stdout)
    elif len(sys.argv) == 1:
        request = json.load(sys.stdin)
        answer = {"networkx": nx.__version__}
        if "graphs" in request:
            answer["cleared"] = [str(cleared_units([(str(d), str(c), int(u)) for d, c, u in graph])[1]) for graph in request["graphs"]]
        if "flows" in request:
            answer["costs"] = [min_cost(problem) for problem in request["flows"]]
        json.dump(answer, sys.stdout)
    else:
        sys.exit("usage: networkx_clearing.py [--csv FILE]")


if __name__ == "__main__":
    main()
