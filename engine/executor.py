"""Runs the part of a graph that the requested outputs need, in dependency order, through the cache.

A render first computes every needed node's cache key from the top down (keys depend on the
keys upstream, never on the values), so a render with nothing changed opens no output at all.
Only nodes whose key is not cached run; the values they need are read from memory or from the
cache on demand, and dropped as soon as the last node that needs them has run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import events as ev
from .cache import CacheStoreError, DiskCache
from .cache_files import CacheEntryCorrupt
from .context import CancelToken, RunContext
from .models import ModelLocator
from .errors import AiprodError, ParamError, RenderCancelled
from .events import EventEmitter
from .graph import Graph, Link
from .paths import PathResolver
from .render_record import Lineage
from .schema import NodeType

log = logging.getLogger("aiprod.executor")


@dataclass
class NodeResult:
    node_id: str
    status: str  # "ran", "cached", "skipped" (not needed this time), "failed" or "cancelled"
    seconds: float = 0.0
    message: str = ""
    stats: dict[str, Any] = field(default_factory=dict)  # what the node measured (a generation: steps, peak VRAM)


@dataclass
class RunReport:
    run_id: str
    status: str  # "finished", "failed" or "cancelled"
    seconds: float
    results: dict[str, NodeResult] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)  # for the nodes asked for with load_outputs

    def with_status(self, status: str) -> list[str]:
        return [n for n, r in self.results.items() if r.status == status]

    @property
    def ran(self) -> list[str]:
        return self.with_status("ran")

    @property
    def cached(self) -> list[str]:
        return self.with_status("cached")

    @property
    def failed(self) -> list[str]:
        return self.with_status("failed")


class _NodeFailure(Exception):
    """A node could not produce its outputs; carries the message shown on the node."""


def _damage_in(exc: BaseException) -> CacheEntryCorrupt | None:
    """The damaged cache entry behind an error, however a node wrapped it (frames are read lazily, so
    the damage of a shot upstream surfaces inside whichever node pulls its frames)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, CacheEntryCorrupt):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


class Executor:
    def __init__(self, cache: DiskCache | None = None, events: EventEmitter | None = None,
                 project_dir: Path | None = None, run_metadata: dict | None = None,
                 paths: PathResolver | None = None, models: ModelLocator | None = None, previews: bool = True):
        self.cache = cache
        self.previews = previews  # whether nodes' preview pictures are wanted (RunContext.wants_previews)
        self.models = models  # handed to every node's RunContext
        self.run_metadata = run_metadata or {}
        self.events = events or EventEmitter()
        self.project_dir = project_dir
        self.paths = paths if paths is not None else PathResolver(project_dir)

    def default_targets(self, graph: Graph) -> list[str]:
        """Output nodes (exports) if the graph has any, otherwise every node that feeds nothing."""
        outputs = [n for n in graph.nodes if (s := graph.schema_of(n)) is not None and s.is_output]
        return outputs or graph.sinks()

    def run(self, graph: Graph, targets: list[str] | None = None, cancel: CancelToken | None = None,
            load_outputs: bool = False) -> RunReport:
        """Render `targets` (default: default_targets) and everything they need.

        "Run to here" is run(graph, [node_id]). With load_outputs, the report carries the
        targets' output values (read from the cache when they were cached), for previews.
        """
        return _Run(self, graph, targets if targets is not None else self.default_targets(graph),
                    cancel or CancelToken(), load_outputs).execute()


class _Run:
    """One render: the state that lives only while it runs."""

    def __init__(self, executor: Executor, graph: Graph, targets: list[str], cancel: CancelToken, load_outputs: bool):
        for target in targets:
            if target not in graph.nodes:
                raise AiprodError(f"there is no node {target!r} to render")
        self.ex, self.graph, self.cancel, self.load_outputs = executor, graph, cancel, load_outputs
        self.targets = list(targets)
        self.run_id = uuid.uuid4().hex[:12]
        self.order = graph.topological_order(graph.upstream(targets))
        self.inputs: dict[str, list[Link]] = {n: [] for n in self.order}
        self.consumers: dict[str, int] = {n: 0 for n in self.order}
        for link in graph.links.values():
            if link.dst_node in self.inputs:
                self.inputs[link.dst_node].append(link)
                self.consumers[link.src_node] += 1
        self.types: dict[str, NodeType] = {}
        self.params: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, str] = {}
        self.fingerprints: dict[str, dict[str, str]] = {}  # what each key folds in of files and models read
        self.problems: dict[str, str] = {}  # found before running: unknown type, bad parameter
        self.values: dict[str, dict[str, Any]] = {}
        self.results: dict[str, NodeResult] = {}
        self.remade: set[str] = set()  # keys of damaged entries made again this render (once each)
        self.stats: dict[str, dict[str, Any]] = {}  # what each node reported through ctx.stats
        self.report = RunReport(self.run_id, "finished", 0.0)

    def emit(self, event: Any) -> None:
        self.ex.events.emit(event)

    def context(self, node_id: str) -> RunContext:
        return RunContext(node_id, self.run_id, self.ex.events, self.cancel, self.ex.project_dir,
                          self.ex.run_metadata, paths=self.ex.paths, models=self.ex.models,
                          stats=self.stats.setdefault(node_id, {}), lineage=lambda: self.lineage(node_id),
                          previews=self.ex.previews)

    def lineage(self, node_id: str) -> Lineage:
        """What made the inputs of `node_id`: every node upstream of it (itself last), its parameters,
        fingerprints and key, and a digest of its cached output (None when the cache holds none)."""
        needed = self.graph.upstream([node_id])
        order = [n for n in self.order if n in needed]
        cache = self.ex.cache
        outputs = {n: cache.content_digest(self.keys[n]) if cache is not None and n != node_id else None
                   for n in order}
        return Lineage(self.graph, order, {n: self.fingerprints.get(n, {}) for n in order},
                       {n: self.keys[n] for n in order}, outputs, self.ex.paths)

    # ---- phase 1: what each node is, and its cache key ----------------------------------------

    def prepare(self, node_id: str) -> None:
        graph = self.graph
        node = graph.nodes[node_id]
        # Per input port, the upstream keys in link order: reordering a multi-link input re-runs.
        upstream: dict[str, list[str]] = {}
        for l in self.inputs[node_id]:
            upstream.setdefault(l.dst_port, []).append(f"{self.keys.get(l.src_node, '?')}:{l.src_port}")
        if node.is_unknown:
            self.problems[node_id] = graph.unavailable_reason(node_id)
            self.keys[node_id] = "unknown-" + node_id
            return
        node_type = graph.registry.get(node.type_id)
        schema = node_type.schema
        self.types[node_id] = instance = node_type()
        params = {}
        try:
            for param in schema.params:
                params[param.name] = param.coerce(node.params.get(param.name, param.default))
        except ParamError as exc:
            self.problems[node_id] = f"parameter {exc}"
        self.params[node_id] = params
        try:
            fingerprints = instance.fingerprint(params, self.context(node_id)) if node_id not in self.problems else {}
        except Exception as exc:
            fingerprints = {}
            self.problems[node_id] = f"could not read its files: {exc}"
        self.fingerprints[node_id] = fingerprints
        path_params = {p.name: p for p in schema.params if p.kind == "path"}
        unkeyed = {p.name for p in schema.params  # never change the output (markers), or not at their default
                   if not p.keyed or (not p.keyed_at_default and params.get(p.name) == p.default)}
        portable = {name: self.path_identity(path_params[name], value, fingerprints)
                    if name in path_params and isinstance(value, str) and value else value
                    for name, value in params.items() if name not in unkeyed}
        identity = [schema.type_id, schema.version, portable, fingerprints, upstream]
        if schema.revision > 1:  # appended only past 1, so the keys of types never revised stay as they were
            identity.append({"revision": schema.revision})
        if node.bypassed:  # it passes its inputs on: what it outputs depends on them alone
            identity = ["bypassed", schema.type_id, upstream]
        if not schema.deterministic:
            identity.append(self.run_id)  # a fresh key each render: it re-runs, and so does what it feeds
        digest = hashlib.blake2b(json.dumps(identity, sort_keys=True, separators=(",", ":")).encode(), digest_size=20)
        self.keys[node_id] = digest.hexdigest()

    def path_identity(self, param, value: str, fingerprints: dict) -> str:
        """A path parameter as its node's cache key holds it, the same wherever the project file is.

        A file read whose content is fingerprinted is named by its file name alone (the fingerprint
        tells two files of one name apart), so a project saved into another folder, or moved with
        its media, keeps its cache; any other path (a file written) by where it is on disk.
        """
        if param.path_mode != "save" and fingerprints.get(param.name, "missing") != "missing":
            return Path(value).name
        return os.path.normpath(self.ex.paths.file(value))

    # ---- phase 2: produce values on demand ------------------------------------------------

    def port_types(self, node_id: str) -> dict:
        return {p.name: p.type for p in self.types[node_id].schema.outputs}

    def caches(self, node_id: str) -> bool:
        if self.graph.nodes[node_id].bypassed:
            return False  # nothing is made: its inputs are already where they are
        node_type = self.types[node_id]
        return node_type.schema.deterministic and node_type.caches_outputs(self.params[node_id])

    def is_cached(self, node_id: str) -> bool:
        cache = self.ex.cache
        if cache is None or node_id in self.problems or not self.caches(node_id):
            return False
        if not cache.has(self.keys[node_id]):
            return False
        node_type = self.types[node_id]
        if type(node_type).cache_is_current is NodeType.cache_is_current:
            return True
        try:
            outputs = cache.load(self.keys[node_id], self.port_types(node_id))
        except CacheEntryCorrupt as damage:
            self.warn(node_id, f"its cached output was damaged ({damage.detail}); it is made again")
            return False
        return outputs is not None and node_type.cache_is_current(outputs, self.params[node_id], self.context(node_id))

    def plan(self) -> tuple[set[str], set[str]]:
        """Which nodes must run and which are served from the cache, walking back from the targets.

        A node is looked at only if a target needs it and nothing between them is cached, so an
        uncacheable or evicted node upstream of a cached one is left alone.
        """
        demanded, to_run, cached = set(self.targets), set(), set()
        for node_id in reversed(self.order):
            if node_id not in demanded:
                continue
            if self.is_cached(node_id):
                cached.add(node_id)
            else:
                to_run.add(node_id)
                demanded.update(link.src_node for link in self.inputs[node_id])
        if self.ex.cache is not None:
            # Entries this graph uses stay when the cache is trimmed, even those not read this time.
            self.ex.cache.touch(*(self.keys[n] for n in self.order if n in self.types))
        return to_run, cached

    def value_of(self, node_id: str) -> dict[str, Any]:
        """The outputs of an upstream node that already ran or is cached (re-running it if its entry vanished)."""
        if node_id in self.values:
            return self.values[node_id]
        result = self.results.get(node_id)
        if result is not None and result.status == "failed":
            raise _NodeFailure(f"not run: its input {self.graph.display_name(node_id)} failed")
        try:
            loaded = self.ex.cache.load(self.keys[node_id], self.port_types(node_id)) if self.ex.cache else None
        except CacheEntryCorrupt as damage:
            self.forget_damaged(damage)
            loaded = None
        if loaded is None:  # evicted or damaged since phase 1: compute it again
            self.execute_node(node_id)
            loaded = self.values[node_id]
        self.values[node_id] = loaded
        return loaded

    def gather_inputs(self, node_id: str) -> dict[str, Any]:
        schema = self.types[node_id].schema
        inputs: dict[str, Any] = {p.name: ([] if p.multiple else None) for p in schema.inputs}
        for link in self.inputs[node_id]:
            value = self.value_of(link.src_node)[link.src_port]
            if value is None:  # an optional output with nothing this run: never a silent stand-in
                source = self.graph.display_name(link.src_node)
                why = self.types[link.src_node].schema.output(link.src_port).help
                raise _NodeFailure(f"its input {link.dst_port!r} is linked to {source}'s '{link.src_port}' output, "
                                   f"which has no value here: {why}")
            if schema.input(link.dst_port).multiple:
                inputs[link.dst_port].append(value)
            else:
                inputs[link.dst_port] = value
        for port in schema.inputs:
            empty = not inputs[port.name] if port.multiple else inputs[port.name] is None
            if empty and not port.optional:
                raise _NodeFailure(f"input {port.name!r} ({port.type.name}) is not connected")
        return inputs

    def warn(self, node_id: str, message: str) -> None:
        log.warning("%s: %s", self.graph.display_name(node_id), message)
        self.emit(ev.NodeWarning(self.run_id, node_id, message))

    def forget_damaged(self, damage: CacheEntryCorrupt) -> None:
        """Drop a damaged entry and every value of this render made from it, so they are made again.

        Each entry is made again once per render: damaged twice, the disk itself is suspect.
        """
        owner = next((n for n in self.order if self.keys.get(n) == damage.key), None)
        if self.ex.cache is not None:
            self.ex.cache.discard(damage.key)
        if owner is None:
            raise _NodeFailure(f"a cached input is damaged ({damage.detail}) and is not part of this render")
        name = self.graph.display_name(owner)
        if damage.key in self.remade:
            where = f" at {self.ex.cache.root}" if self.ex.cache is not None else ""
            raise _NodeFailure(f"the cached output of {name} was damaged again just after being made "
                               f"({damage.detail}); the cache disk{where} may be failing")
        self.remade.add(damage.key)
        self.warn(owner, f"its cached output was damaged ({damage.detail}); it is made again")
        for stale in {owner} | self.graph.downstream([owner]):
            self.values.pop(stale, None)

    def execute_node(self, node_id: str) -> None:
        """Run a node; if a cached input turns out damaged while it reads it, make that input again and retry."""
        while True:
            try:
                return self._execute_once(node_id)
            except CacheEntryCorrupt as damage:
                self.forget_damaged(damage)

    def node_error(self, node_id: str, exc: Exception) -> Exception:
        """What a node's exception means: a damaged cached input to make again, or the node's failure."""
        damage = _damage_in(exc)
        if damage is not None:
            return damage
        if isinstance(exc, AiprodError):
            return _NodeFailure(str(exc))
        log.exception("node %s (%s) raised", node_id, self.types[node_id].schema.type_id)
        return _NodeFailure(f"{type(exc).__name__}: {exc}")

    def _execute_once(self, node_id: str) -> None:
        if node_id in self.problems:
            raise _NodeFailure(self.problems[node_id])
        inputs = self.gather_inputs(node_id)
        self.cancel_point()
        node_type = self.types[node_id]
        schema = node_type.schema
        self.emit(ev.NodeStarted(self.run_id, node_id, self.caches(node_id)))
        # Again: a listener may cancel on hearing what is about to run (the preview stops before a node
        # that stores its outputs), and such a node's setup alone can import torch or load a model.
        self.cancel_point()
        started = time.perf_counter()
        if self.graph.nodes[node_id].bypassed:
            return self._pass_through(node_id, inputs, started)
        try:
            params = schema.apply_overrides(inputs, self.params[node_id])
            outputs = node_type.execute(self.context(node_id), inputs, params)
        except (RenderCancelled, _NodeFailure):
            raise
        except Exception as exc:
            raise self.node_error(node_id, exc) from exc
        outputs = dict(outputs or {})
        missing = [p.name for p in schema.outputs
                   if p.name not in outputs or (outputs[p.name] is None and not p.optional)]
        if missing:
            raise _NodeFailure(f"{schema.type_id} returned no value for output(s) {', '.join(missing)}")
        self.cancel_point()  # a cancel during the last step leaves no cache entry behind
        if self.ex.cache is not None and self.caches(node_id):
            ctx = self.context(node_id)
            try:
                stored = self.ex.cache.store(self.keys[node_id], {p.name: outputs[p.name] for p in schema.outputs},
                                             self.port_types(node_id), schema.type_id,
                                             progress=lambda fraction: ctx.progress(fraction, "rendering frames"))
            except CacheStoreError as exc:  # the render goes on; the output is made again when needed
                self.warn(node_id, f"its output was not cached: {exc}")
                stored = False
            except (RenderCancelled, _NodeFailure):
                raise
            except Exception as exc:  # frames are computed while they are stored: the node's own failure
                raise self.node_error(node_id, exc) from exc
            if stored and any(getattr(p.type.codec, "streams", False) for p in schema.outputs):
                # The frames were computed while being stored: read them back rather than compute again.
                outputs = self.ex.cache.load(self.keys[node_id], self.port_types(node_id)) or outputs
        seconds = time.perf_counter() - started
        self.values[node_id] = outputs
        stats = dict(self.stats.get(node_id, {}))
        self.results[node_id] = NodeResult(node_id, "ran", seconds, stats=stats)
        self.emit(ev.NodeFinished(self.run_id, node_id, seconds, stats))

    def _pass_through(self, node_id: str, inputs: dict[str, Any], started: float) -> None:
        """A bypassed node's outputs: each its first input of the same type (the first link of a
        multiple input); an output with no such input has no value, and a node reading it says so."""
        schema = self.types[node_id].schema
        outputs = {}
        for port in schema.outputs:
            outputs[port.name] = None
            for candidate in schema.inputs:
                value = inputs.get(candidate.name)
                value = (value[0] if value else None) if candidate.multiple else value
                if candidate.type == port.type and value is not None:
                    outputs[port.name] = value
                    break
        seconds = time.perf_counter() - started
        self.values[node_id] = outputs
        self.results[node_id] = NodeResult(node_id, "ran", seconds, stats={"bypassed": True})
        self.emit(ev.NodeFinished(self.run_id, node_id, seconds, {"bypassed": True}))

    def cancel_point(self) -> None:
        if self.cancel.cancelled:
            raise RenderCancelled("render cancelled")

    def release_inputs(self, node_id: str) -> None:
        """Forget values nobody else in this render needs (memory must not grow with the film)."""
        for link in self.inputs[node_id]:
            source = link.src_node
            self.consumers[source] -= 1
            if self.consumers[source] <= 0 and not (self.load_outputs and source in self.targets):
                self.values.pop(source, None)

    def fail(self, node_id: str, message: str) -> None:
        self.results[node_id] = NodeResult(node_id, "failed", 0.0, message)
        self.emit(ev.NodeFailed(self.run_id, node_id, message))

    def execute(self) -> RunReport:
        started = time.perf_counter()
        self.emit(ev.RunStarted(self.run_id, tuple(self.order)))
        for node_id in self.order:
            self.emit(ev.NodeQueued(self.run_id, node_id))
        if self.ex.cache is not None:
            self.ex.cache.sweep_leftovers()  # what renders killed since the cache was opened left behind
            for notice in self.ex.cache.notices:
                self.emit(ev.RunWarning(self.run_id, notice))
            self.ex.cache.notices.clear()
        for node_id in self.order:
            self.prepare(node_id)
        to_run, cached = self.plan()
        running = tuple(n for n in self.order if n in to_run)
        self.emit(ev.RunPlanned(self.run_id, running, tuple(n for n in running if n in self.types and self.caches(n))))
        cancelled_at: int | None = None
        for index, node_id in enumerate(self.order):
            if self.cancel.cancelled:
                cancelled_at = index
                break
            if node_id in self.results:  # already produced on demand for a node further down
                self.release_inputs(node_id)
                continue
            try:
                if node_id in to_run:
                    self.execute_node(node_id)
                elif node_id in cached or (self.ex.cache is not None and self.ex.cache.has(self.keys[node_id])
                                           and self.types.get(node_id) is not None):
                    self.results[node_id] = NodeResult(node_id, "cached")
                    self.emit(ev.NodeCached(self.run_id, node_id))
                else:
                    self.results[node_id] = NodeResult(node_id, "skipped", message="not needed: what it feeds is cached")
                    self.emit(ev.NodeSkipped(self.run_id, node_id))
            except RenderCancelled:
                cancelled_at = index
                break
            except _NodeFailure as exc:
                self.fail(node_id, str(exc))
            self.release_inputs(node_id)
        if cancelled_at is not None:
            for node_id in self.order[cancelled_at:]:
                if node_id not in self.results:
                    self.results[node_id] = NodeResult(node_id, "cancelled")
                    self.emit(ev.NodeCancelled(self.run_id, node_id))
            self.report.status = "cancelled"
        elif any(r.status == "failed" for r in self.results.values()):
            self.report.status = "failed"
        if self.load_outputs and self.report.status != "cancelled":
            for target in self.targets:
                if self.results[target].status in ("ran", "cached"):
                    try:
                        self.report.outputs[target] = self.value_of(target)
                    except (_NodeFailure, RenderCancelled):
                        pass
        self.report.results = {n: self.results[n] for n in self.order}
        self.report.seconds = time.perf_counter() - started
        self.emit(ev.RunFinished(self.run_id, self.report.status, self.report.seconds))
        return self.report
