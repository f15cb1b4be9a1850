"""Engine overhead on a large graph of trivial nodes: what the scheduler and the disk cache cost per node.

The nodes do almost nothing (add two small ints), so the time measured is the engine's own:
ordering, cache keys, events, cache look-ups and entry writes.

    .venv/bin/python benchmarks/engine_overhead.py [--nodes 1000] [--repeats 5]

The last line of stdout is one JSON object (per_node_ms, noop_rerender_ms, nocache_per_node_ms, ...).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from engine.cache import DiskCache  # noqa: E402
from engine.commands import AddNode, Connect, UndoStack  # noqa: E402
from engine.executor import Executor  # noqa: E402
from engine.graph import Graph  # noqa: E402
from engine.ports import INT  # noqa: E402
from engine.registry import Registry  # noqa: E402
from engine.schema import IntParam, NodeSchema, NodeType, Port  # noqa: E402

TARGET_PER_NODE_MS = 0.5


class BenchSource(NodeType):
    schema = NodeSchema(
        type_id="bench.source", title="Bench source", category="Bench",
        outputs=(Port("value", INT),),
        params=(IntParam("value", 1),),
    )

    def execute(self, ctx, inputs, params):
        return {"value": params["value"]}


class BenchAdd(NodeType):
    schema = NodeSchema(
        type_id="bench.add", title="Bench add", category="Bench",
        inputs=(Port("a", INT, optional=True), Port("b", INT, optional=True)),
        outputs=(Port("value", INT),),
        # Each node gets its own `k`, so no two nodes share a cache key (a shared key would be served cached).
        params=(IntParam("k", 0),),
    )

    def execute(self, ctx, inputs, params):
        return {"value": ((inputs["a"] or 0) + (inputs["b"] or 0) + params["k"]) % 1000}


def build_graph(nodes: int, seed: int = 0) -> Graph:
    """A deterministic DAG: a few sources, then add nodes fed by one or two earlier nodes."""
    rng = random.Random(seed)
    graph = Graph(Registry([BenchSource, BenchAdd]))
    stack = UndoStack(graph)
    ids: list[str] = []
    sources = max(1, min(10, nodes // 100))
    for i in range(nodes):
        if i < sources:
            command = AddNode("bench.source", params={"value": i + 1})
            stack.push(command)
        else:
            command = AddNode("bench.add", params={"k": i})
            stack.push(command)
            # Mostly recent nodes (a chain-like film graph), sometimes a far one.
            picks = rng.sample(range(max(0, i - 20), i), k=min(2, i - max(0, i - 20)))
            if rng.random() < 0.2:
                picks[0] = rng.randrange(i)
            if rng.random() < 0.3:
                picks = picks[:1]
            for port, src in zip(("a", "b"), dict.fromkeys(picks)):
                stack.push(Connect(ids[src], "value", command.node_id, port))
        ids.append(command.node_id)
    return graph


def timed_run(executor: Executor, graph: Graph, expect: str, nodes: int) -> float:
    started = time.perf_counter()
    report = executor.run(graph)  # default targets: the sinks, which need every node
    seconds = time.perf_counter() - started
    statuses = [r.status for r in report.results.values()]
    if report.status != "finished" or len(statuses) != nodes or any(s != expect for s in statuses):
        counts = {s: statuses.count(s) for s in set(statuses)}
        raise SystemExit(f"expected all {nodes} nodes {expect!r}, got {report.status}: {counts}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1000, help="graph size (default 1000)")
    parser.add_argument("--repeats", type=int, default=5, help="repetitions per measurement (default 5)")
    parser.add_argument("--cache-dir", default=None,
                        help="folder to make the temporary caches in (default: the system temp folder); "
                             "the first render is bound by this file system's mkdir/create/rename speed")
    args = parser.parse_args(argv)
    if args.nodes < 1 or args.repeats < 1:
        parser.error("--nodes and --repeats must be at least 1")

    build_started = time.perf_counter()
    graph = build_graph(args.nodes)
    build_ms = (time.perf_counter() - build_started) * 1000

    first, rerender, nocache = [], [], []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory(prefix="aiprod-bench-", dir=args.cache_dir) as tmp:
            executor = Executor(cache=DiskCache(tmp))
            first.append(timed_run(executor, graph, "ran", args.nodes))
            rerender.append(timed_run(executor, graph, "cached", args.nodes))
    for _ in range(args.repeats):
        nocache.append(timed_run(Executor(cache=None), graph, "ran", args.nodes))

    per_node_ms = statistics.median(first) * 1000 / args.nodes
    noop_rerender_ms = statistics.median(rerender) * 1000
    nocache_per_node_ms = statistics.median(nocache) * 1000 / args.nodes
    result = {
        "per_node_ms": round(per_node_ms, 4),
        "noop_rerender_ms": round(noop_rerender_ms, 2),
        "nocache_per_node_ms": round(nocache_per_node_ms, 4),
        "cache_overhead_ratio": round(per_node_ms / nocache_per_node_ms, 2) if nocache_per_node_ms else None,
        "nodes": args.nodes,
        "links": len(graph.links),
        "build_ms": round(build_ms, 1),
        "target_per_node_ms": TARGET_PER_NODE_MS,
        "meets_target": per_node_ms <= TARGET_PER_NODE_MS,
        "runs": args.repeats,
        "first_render_ms_each": [round(s * 1000, 1) for s in first],
        "cache_dir": args.cache_dir or tempfile.gettempdir(),
    }
    print(f"{args.nodes} trivial nodes, {len(graph.links)} links, median of {args.repeats}: "
          f"first render {per_node_ms:.3f} ms/node with the disk cache, {nocache_per_node_ms:.3f} ms/node without "
          f"({result['cache_overhead_ratio']}x); all-cached re-render {noop_rerender_ms:.1f} ms.")
    print(f"target {TARGET_PER_NODE_MS} ms/node: {'met' if result['meets_target'] else 'NOT met'}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
