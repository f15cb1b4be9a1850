"""Per-stage cost of the sample film's picture chain, each stage timed on its own (benchmarks/pipeline.py).

The graph runs in-process on the warm cache; each node's output clip is taken from the executor
(load_outputs) and its frames pulled and timed. A stage that sits on other stages (titles over a
shot, the Sequence over its shots, the Grade over the Sequence) is run again through its node
type's own execute() on stand-in inputs that serve real frames of the real inputs from memory, so
its time is its own. The output transform and the encoder feed are timed on the real graded frames.

Everything is measured through public entry points (node types' execute, Clip.frames,
engine.media.transfer_fast, PyAV): a stage whose function is gone or changed is reported as None
with the reason, never a crash, so the benchmark outlives the product changes it is meant to judge.
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable

import numpy as np

SCENE, TITLE, SEQUENCE, GRADE, EXPORT = "shot.scene", "title.overlay", "edit.sequence", "color.grade", "output.export"
STILL_CAMERA = "still + camera"
POOL = 6  # real frames kept per input to serve the stand-ins (cycled): content-independent work, real pictures


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread of the process (torch's, swscale's)
    return usage.ru_utime + usage.ru_stime


def of_type(graph, type_id: str) -> list[str]:
    return [n for n, node in graph.nodes.items() if node.type_id == type_id]


def linked_into(graph, node_id: str, port: str) -> list[str]:
    """The nodes linked into `node_id`'s `port`, in link order (the order a Sequence plays them)."""
    return [l.src_node for l in graph.links.values() if l.dst_node == node_id and l.dst_port == port]


class Pull:
    """Pulls frames start..stop of a clip, timing each pull; keeps POOL evenly spaced copies."""

    def __init__(self, clip, stop: int | None = None):
        self.clip = clip
        self.stop = clip.frame_count if stop is None else min(stop, clip.frame_count)
        keep = set(np.linspace(0, self.stop - 1, POOL).round().astype(int).tolist())
        self.pool, self.count = [], 0
        started, cpu = time.perf_counter(), cpu_seconds()
        for index, frame in enumerate(clip.frames(0, self.stop)):
            if index in keep:
                self.pool.append(np.array(frame, dtype=np.float32))
            self.count += 1
        self.seconds, self.cpu = time.perf_counter() - started, cpu_seconds() - cpu


def stand_in(clip, pool: list[np.ndarray]):
    """A clip with `clip`'s info whose frames are `pool` cycled (not a held still: every frame is pulled)."""
    from engine.media.clip import FunctionClip

    return FunctionClip(clip.info, lambda index: pool[index % len(pool)])


def isolated(graph, node_id: str, inputs: dict, ctx_for: Callable) -> object:
    """`node_id`'s frames made by its node type's execute() from `inputs` (stand-ins), as the executor would."""
    node = graph.nodes[node_id]
    node_type = graph.registry.get(node.type_id)
    schema = node_type.schema
    given = {p.name: ([] if p.multiple else None) for p in schema.inputs} | inputs
    params = {p.name: p.coerce(node.params.get(p.name, p.default)) for p in schema.params}
    params = schema.apply_overrides(given, params)
    return node_type().execute(ctx_for(node_id), given, params)["frames"]


class Stages:
    """Collects {stage: [seconds, frames, CPU seconds]}, or the reason a stage could not be measured."""

    def __init__(self):
        self.totals: dict[str, list[float]] = {}
        self.errors: dict[str, str] = {}
        self.table_frames: tuple[int, int] | None = None  # (through the signal table, the exact way)

    def add(self, stage: str, seconds: float, frames: int, cpu: float | None = None) -> None:
        total = self.totals.setdefault(stage, [0.0, 0, 0.0])
        total[0] += seconds
        total[1] += frames
        total[2] = None if cpu is None or total[2] is None else total[2] + cpu

    def pulled(self, stage: str, pull: "Pull") -> None:
        self.add(stage, pull.seconds, pull.count, pull.cpu)

    def attempt(self, stage: str, work: Callable[[], None]) -> None:
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - a stage the product no longer offers is reported, not fatal
            self.errors[stage] = f"{type(exc).__name__}: {exc}"[:300]
            self.totals.pop(stage, None)
            log(f"stage {stage}: not measured ({self.errors[stage]})")

    def ms_per_frame(self, stage: str, cpu: bool = False) -> float | None:
        total = self.totals.get(stage)
        spent = total[2 if cpu else 0] if total else None
        return round(spent * 1000 / total[1], 2) if spent is not None and total[1] else None

    def film_ms(self, stage: str, film_frames: int) -> float | None:
        total = self.totals.get(stage)
        return round(total[0] * 1000 / film_frames, 2) if total else None


def measure_stages(project, executor, limit: int | None = None) -> dict:
    """Milliseconds per frame of each stage of the project's picture chain; `limit`: first frames only."""
    from engine.context import CancelToken, RunContext
    from engine.events import EventEmitter

    graph = project.graph
    sequence, grade, export = of_type(graph, SEQUENCE)[0], of_type(graph, GRADE)[0], of_type(graph, EXPORT)[0]
    pieces = linked_into(graph, sequence, "shots")
    under = {p: (linked_into(graph, p, "frames") or [None])[0] for p in pieces if graph.nodes[p].type_id == TITLE}
    needed = graph.upstream([sequence])
    scenes = [n for n in of_type(graph, SCENE) if n in needed]
    report = executor.run(graph, [*pieces, *[s for s in scenes if s not in pieces], sequence, grade], load_outputs=True)
    if report.status != "finished":
        raise RuntimeError({n: r.message for n, r in report.results.items() if r.message})
    clips = {n: v["frames"] for n, v in report.outputs.items()}

    def ctx_for(node_id):
        return RunContext(node_id, "bench", EventEmitter(), CancelToken(), project.folder, {}, paths=project.paths)

    stages, pools = Stages(), {}

    def shots():
        for scene in scenes:
            still = graph.nodes[scene].params.get("method", STILL_CAMERA) == STILL_CAMERA
            stage = "camera" if still else ("cached_reads" if report.results[scene].status == "cached" else "shot")
            pull = Pull(clips[scene], limit)
            pools[scene] = pull.pool
            stages.pulled(stage, pull)
            log(f"  {scene} ({stage}): {pull.seconds * 1000 / pull.count:.1f} ms/frame over {pull.count}")

    def titles():
        for piece, source in under.items():
            if source is None:  # a card: a held colour under the text, so its pull is all compositing
                pull = Pull(clips[piece], limit)
            else:
                pull = Pull(isolated(graph, piece, {"frames": stand_in(clips[source], pools[source])}, ctx_for), limit)
            pools[piece] = pull.pool
            stages.pulled("titles", pull)

    def mixing():
        shots_in = [stand_in(clips[p], pools[p]) for p in pieces]
        pull = Pull(isolated(graph, sequence, {"shots": shots_in}, ctx_for), limit)
        pools[sequence] = pull.pool
        stages.pulled("sequence", pull)

    def grading():
        pull = Pull(isolated(graph, grade, {"frames": stand_in(clips[sequence], pools[sequence])}, ctx_for), limit)
        stages.pulled("grade", pull)

    def tabled():
        """Grade and output transform as an 8-bit export runs them now: one baked table per frame
        (engine.media.signal_lut, app/nodes/export_signal.py), on the Sequence's real frames; then,
        where the table writes Y'CbCr (engine.media.ycbcr), the encoder's planes made from it."""
        from engine.media.colorspaces import OUTPUT_TRANSFORMS
        from engine.media.signal_lut import SignalEncoder
        from engine.media.transfer_fast import encode_output_uint16
        from engine.qa.picture import measured_grid
        try:
            from engine.media.ycbcr import planar_frame
        except ImportError:  # a version whose table writes R'G'B' for swscale: the chain_pull feed times that
            planar_frame = None

        graded, transform = clips[grade], graph.nodes[export].params.get("output_transform", "rec709")
        working = graded.color_space
        matrix = {"matrix": OUTPUT_TRANSFORMS[transform].matrix} if planar_frame is not None else {}
        encoder = SignalEncoder(graded.grading, working, transform, exact=lambda p: encode_output_uint16(
            graded.grader(p), working, transform, False), **matrix)
        frames = pools[sequence]
        count = min(limit or clips[sequence].frame_count, clips[sequence].frame_count)
        encoder.table_for(1.0)  # baked once per export, before its first frame: not a per-frame cost
        planes = [0.0, 0.0]  # wall, CPU
        started, cpu = time.perf_counter(), cpu_seconds()
        for index in range(count):
            frame = frames[index % len(frames)]
            grid = np.ascontiguousarray(measured_grid(frame))
            signal = encoder.encode(frame, grid, encode_output_uint16(graded.grader(grid), working, transform, False))
            if planar_frame is not None:
                t0, c0 = time.perf_counter(), cpu_seconds()
                planar_frame(signal, "yuv420p")
                planes[0] += time.perf_counter() - t0
                planes[1] += cpu_seconds() - c0
        stages.add("grade_and_output_table", time.perf_counter() - started - planes[0], count,
                   cpu_seconds() - cpu - planes[1])
        if planar_frame is not None:
            stages.add("planar_feed", planes[0], count, planes[1])
        if hasattr(encoder, "encode_frame"):  # both in one pass, as the export now runs them
            # convert(): the frame's range measured by the kernel on the way, no value_range pass first.
            convert = getattr(encoder, "convert", None) or (lambda *args: encoder.encode_frame(
                *args[:3], None, args[3]))
            started, cpu = time.perf_counter(), cpu_seconds()
            for index in range(count):
                frame = frames[index % len(frames)]
                grid = np.ascontiguousarray(measured_grid(frame))
                convert(frame, grid, encode_output_uint16(graded.grader(grid), working, transform, False), "yuv420p")
            stages.add("table_frame", time.perf_counter() - started, count, cpu_seconds() - cpu)
        stages.table_frames = (encoder.table_frames, encoder.exact_frames)

    for name, work in (("camera", shots), ("titles", titles), ("sequence", mixing), ("grade", grading),
                       ("grade_and_output_table", tabled)):
        stages.attempt(name, work)
    pipeline = chain_pull(clips[grade], graph.nodes[export].params, stages, limit)
    try:
        producer = picture_only(clips[grade], graph.nodes[export].params, limit)
    except Exception as exc:  # noqa: BLE001 - the Export's producer changed shape: reported, not fatal
        producer = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"stages": stages, "pipeline": pipeline, "film_frames": clips[grade].frame_count,
            "picture_only": producer, "statuses": {n: r.status for n, r in report.results.items()}}


class _QuietQA:
    """Stands in for the Export's QA (its measuring is timed as export_qa): takes the frames, keeps nothing."""

    def measure(self, *args, **kwargs) -> None:
        pass

    def watched(self, clip):
        return clip


def picture_only(clip, export_params: dict, limit: int | None) -> dict:
    """Frames per second of the Export's own frame producer (app/nodes/export_signal.export_frames: what
    the writer is handed, table or exact path) with no encoder after it, converting on one thread and on
    its pool (EXPORT_WORKERS). That is the ceiling the picture side puts on an export where the encoder
    is not the limit: a workstation with many cores for x264, or a hardware encoder."""
    import app.nodes.export_signal as export_signal
    from engine.media.export_formats import FORMATS

    fmt = FORMATS[export_params.get("format", "h264")]
    transform = export_params.get("output_transform", "rec709")
    count = min(limit or clip.frame_count, clip.frame_count)
    result, default = {}, export_signal.EXPORT_WORKERS
    for workers in (1, default):
        export_signal.EXPORT_WORKERS = workers
        try:
            started, cpu = time.perf_counter(), cpu_seconds()
            for _ in export_signal.export_frames(clip, fmt, transform, _QuietQA(), 0, count):
                pass
            seconds = time.perf_counter() - started
        finally:
            export_signal.EXPORT_WORKERS = default
        result[f"fps_{workers}_worker{'s' if workers > 1 else ''}"] = round(count / seconds, 2)
        result[f"cpu_ms_{workers}_worker{'s' if workers > 1 else ''}"] = round((cpu_seconds() - cpu) * 1000 / count, 2)
        log(f"  the Export's picture side alone, {workers} worker(s): {count / seconds:.1f} fps")
    result["workers"] = default
    return result


def chain_pull(clip, export_params: dict, stages: Stages, limit: int | None) -> dict:
    """The real graded frames pulled through the whole chain, each then output-transformed and fed to
    swscale as the Export does today (engine/media/video_io.py); the chain's own time excludes those."""
    transform = export_params.get("output_transform", "rec709")
    try:
        from engine.media.transfer_fast import encode_output_uint16
    except ImportError as exc:
        encode_output_uint16 = None
        stages.errors["output_transform"] = f"ImportError: {exc}"
    feed = encoder_feed(transform)
    if feed is None:
        stages.errors.setdefault("encoder_feed", "engine.media.video_io.SignalConverter is not there")
    meter = qa_meter(clip.fps)
    spent = {stage: [0.0, 0.0] for stage in ("output_transform", "encoder_feed", "export_qa")}  # wall, CPU

    def timed(stage: str, work: Callable, *args):
        t0, c0 = time.perf_counter(), cpu_seconds()
        value = work(*args)
        spent[stage][0] += time.perf_counter() - t0
        spent[stage][1] += cpu_seconds() - c0
        return value

    count, started, cpu = 0, time.perf_counter(), cpu_seconds()
    for frame in clip.frames(0, limit):
        count += 1
        if meter is not None:  # the Export's QA reads the linear frames on their way to the output transform
            timed("export_qa", meter, frame)
        if encode_output_uint16 is None:
            continue
        try:
            signal = timed("output_transform", encode_output_uint16, frame, clip.color_space, transform, False)
        except Exception as exc:  # noqa: BLE001 - its signature changed: reported, the chain goes on
            stages.errors["output_transform"] = f"{type(exc).__name__}: {exc}"[:300]
            encode_output_uint16 = None
            continue
        if feed is not None:
            timed("encoder_feed", feed, signal)
    chain = time.perf_counter() - started - sum(s[0] for s in spent.values())
    chain_cpu = cpu_seconds() - cpu - sum(s[1] for s in spent.values())
    if meter is None:
        stages.errors["export_qa"] = "engine.qa.film.FilmCheck is not where it was"
    for stage, (seconds, cpu) in spent.items():
        if stage not in stages.errors:
            stages.add(stage, seconds, count, cpu)
    return {"chain_ms": round(chain * 1000 / count, 2), "chain_cpu_ms": round(chain_cpu * 1000 / count, 2),
            "frames": count}


def encoder_feed(transform_id: str) -> Callable[[np.ndarray], object] | None:
    """What VideoEncoder.write does before the codec: the 16-bit RGB into a PyAV frame, swscale to yuv420p."""
    try:
        from engine.media.colorspaces import OUTPUT_TRANSFORMS
        from engine.media.export_formats import FORMATS
        from engine.media.video_io import SignalConverter
    except ImportError:
        return None
    return SignalConverter(FORMATS["h264"].pix_fmt, OUTPUT_TRANSFORMS[transform_id])


def qa_meter(fps) -> Callable[[np.ndarray], None] | None:
    """The per-frame measurement of the Export's automatic QA (app/nodes/export_qa.py)."""
    try:
        from engine.qa.film import FilmCheck, FilmPlan

        return FilmCheck(fps, FilmPlan()).measure
    except (ImportError, TypeError):
        return None
