"""Render speed: the sample film's export with its expensive shots cached beside x264 encoding the same
frames alone, what each stage of the picture chain costs per frame, and a 60 s 1080p film from scratch.

    .venv/bin/python benchmarks/pipeline.py [--quick] [--skip-export] [--skip-film60] [--keep DIR]

1. Export vs encoder. resources/examples/sample.aiprod (18 s, 1280x720, 432 frames, H.264 CRF 18) is
   rendered through the CLI's own code path (app.cli.main) into a fresh cache folder (warm-up, not
   timed: the interpolated shot and the sounds are cached), then again to another file, 3 times, each
   time followed by the PyAV peer below; each side's faster run counts (`ratio_each_pair`: each
   export over the peer run right after it, to show how much the host moved). Checked: the
   interpolated shot came from the cache. `export_s` is the Export node's own seconds as the executor
   reports them (it pulls the lazy chain, camera, titles, dissolves, grade, on the way), `export_fps`
   the frames it wrote over them. The peer: the exported film decoded (PyAV) into memory as the
   encoder's input (yuv420p), then encoded with the codec options of the Export's h264 format
   (engine/media/export_formats.py, as engine/media/video_io.py sets them: preset, CRF, AUTO
   threads) through PyAV (`encoder_fps`) and through the ffmpeg CLI reading rawvideo from a file
   (`ffmpeg_cli_fps`; null, with a note, when there is no `ffmpeg` on PATH). `ratio` is export_fps
   over the faster of the two (target >= 0.75). CPU seconds (every thread) beside each wall time.
   `picture_cpu_ms_per_frame` is the Export's CPU less the PyAV peer's, per frame: our own work;
   `ratio_if_cores_all_busy` the ratio the export's CPU allows at best, and
   `picture_cpu_ms_per_frame_for_target` what our own work may cost for the target to be reachable.
2. Stages (benchmarks/pipeline_stages.py): ms per frame of camera resampling, titles, Sequence
   mixing, grade, output transform, cached-frame reads, encoder feed (PyAV frame + swscale),
   encode (from the PyAV peer), and the Export's QA meter; `stages_film_ms` is each stage's
   total over the film's frames, so those add up to the chain's cost per film frame. `grade` and
   `output_transform` are the exact path (10-bit, HDR and alpha exports, the Grade's preview);
   `grade_and_output_table` is both as an 8-bit export runs them now, one baked table per frame
   (engine/media/signal_lut.py), with `table_and_exact_frames` saying how many frames each way took;
   the table writes the encoder's Y'CbCr, and `planar_feed` is the rounding and chroma filtering
   that make its planes (engine/media/ycbcr.py): on that path it stands for encoder_feed.
   `table_frame` is both in one pass, as an export runs them where the C kernel is built
   (engine/media/signal_kernel.c), the frame's range measured on the way (SignalEncoder.convert): it
   stands for grade_and_output_table + planar_feed there.
   `picture_only`: the Export's own frame producer (export_signal.export_frames) pulled with no encoder,
   converting frames on 1 thread and on its pool: the fps the picture side allows where x264 has cores
   to spare or a hardware encoder takes over.
3. A 60 s, 6-shot 1920x1080 film (benchmarks/pipeline_film60.py) rendered from an empty cache through
   the CLI's code path, end to end: `film60_1080p_s` (target < 180 s on the 2-core CI machine), the
   nodes that took longest, the file probed (frames, size, seconds, sound), `film60_fps` and
   `film60_device` (a CUDA card's name where the GPU paths ran, else the CPU), and `film60_rss_mb`: the
   process's resident memory before the render and its peak during it (a render holds a few frames
   at a time, whatever the film's length).

--quick: the sample's first 120 frames only (the Export's last_frame) and a 14 s film, for a smoke
run. On a machine shared with other work wall times swing widely; the CPU seconds hold better.
The last line of stdout is one JSON object; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from fractions import Fraction
from pathlib import Path
from unittest import mock

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import av  # noqa: E402

import app.cli as cli  # noqa: E402
from engine import events as ev  # noqa: E402
from engine.executor import Executor  # noqa: E402

from benchmarks.pipeline_film60 import build_film60, probe  # noqa: E402
from benchmarks.pipeline_stages import EXPORT, SCENE, log, measure_stages, of_type  # noqa: E402

EXAMPLES = REPO_ROOT / "resources" / "examples"
RATIO_TARGET, FILM60_TARGET_S = 0.75, 180
PAIRS = 3  # timed exports, each followed by the encoder alone (--quick: 1); the host drifts by the minute
QUICK_FRAMES = 120
STAGE_ORDER = ("camera", "titles", "sequence", "grade", "output_transform", "cached_reads", "encoder_feed", "encode",
               "export_qa", "grade_and_output_table", "planar_feed", "table_frame")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread: the executor's, swscale's, x264's
    return usage.ru_utime + usage.ru_stime


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class RecordingExecutor(Executor):
    """The CLI's executor, recording its report and each node's CPU seconds (NodeStarted..NodeFinished)."""

    last: "RecordingExecutor | None" = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.report, self.node_cpu, self._started, self._said = None, {}, {}, 0.0
        self.events.connect(self._on_event)

    def _on_event(self, event) -> None:
        if isinstance(event, ev.NodeStarted):
            self._started[event.node_id] = cpu_seconds()
        elif isinstance(event, ev.NodeFinished):
            self.node_cpu[event.node_id] = cpu_seconds() - self._started.pop(event.node_id, cpu_seconds())
            if event.seconds > 1:
                log(f"  {event.node_id}: {event.seconds:.1f} s")
        elif isinstance(event, ev.NodeProgress) and time.monotonic() - self._said > 20:
            self._said = time.monotonic()
            log(f"  {event.node_id}: {event.message}")

    def run(self, *args, **kwargs):
        self.report = super().run(*args, **kwargs)
        RecordingExecutor.last = self
        return self.report


def resident_mb() -> int | None:
    """This process's resident memory now, in MiB (Linux); None where /proc cannot tell."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmRSS:"))
    except (OSError, StopIteration, ValueError):
        return None


class PeakMemory(contextlib.AbstractContextManager):
    """The largest resident memory this process reaches while the block runs, sampled every 0.25 s: the
    figure that says whether a render holds what it has finished with (film60 once grew by ~3.6 MB a
    frame). ru_maxrss cannot tell: it keeps the peak of everything the process did before."""

    def __init__(self):
        self.start = self.peak = resident_mb()
        self._done = threading.Event()
        self._watch = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(0.25):
            now = resident_mb()
            if now is not None and (self.peak is None or now > self.peak):
                self.peak = now

    def __enter__(self):
        self._watch.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._watch.join()
        return None


def render_cli(project: Path, output: Path, cache: Path) -> tuple[RecordingExecutor, float, float]:
    """`aiprod render PROJECT -o OUTPUT --cache-dir CACHE -q` in this process; (its executor, wall s, CPU s)."""
    RecordingExecutor.last = None
    started, cpu = time.perf_counter(), cpu_seconds()
    with mock.patch.object(cli, "Executor", RecordingExecutor), contextlib.redirect_stdout(sys.stderr):
        code = cli.main(["render", str(project), "-o", str(output), "--cache-dir", str(cache), "-q"])
    wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    executor = RecordingExecutor.last
    if code != 0 or executor is None:
        raise SystemExit(f"aiprod render {project.name} failed with exit code {code}")
    return executor, wall, cpu


def sample_copy(folder: Path, last_frame: int) -> Path:
    """The sample film with its stills' paths made absolute, written into `folder`."""
    data = json.loads((EXAMPLES / "sample.aiprod").read_text())
    for node in data["nodes"]:
        if node["type"] == "media.import_image":
            node["params"]["path"] = str(EXAMPLES / node["params"]["path"])
        if node["type"] == EXPORT:
            node["params"].update(first_frame=0, last_frame=last_frame)
    path = folder / "sample.aiprod"
    path.write_text(json.dumps(data, indent=2))
    return path


def decode_yuv(path: Path) -> tuple[list, int, int, Fraction]:
    """The film's frames as the encoder receives them (yuv420p planes in one array each)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        frames = [f.reformat(format="yuv420p").to_ndarray() for f in container.decode(stream)]
        return frames, stream.codec_context.width, stream.codec_context.height, Fraction(stream.average_rate)


def encoder_options(fmt, quality: int) -> dict[str, str]:
    options = dict(fmt.options)
    if fmt.quality_option:
        options[fmt.quality_option] = str(quality)
    return options


def pyav_encode(frames, width, height, fps, fmt, quality, transform, path: Path) -> tuple[float, float]:
    """Seconds and CPU seconds to encode `frames` with the Export's codec settings, through PyAV."""
    started, cpu = time.perf_counter(), cpu_seconds()
    container = av.open(str(path), "w")
    stream = container.add_stream(fmt.codec, rate=fps, options=encoder_options(fmt, quality))
    stream.width, stream.height, stream.pix_fmt = width, height, fmt.pix_fmt
    stream.time_base = 1 / Fraction(fps)
    stream.thread_type = "AUTO"
    if transform is not None:
        context = stream.codec_context
        context.color_primaries, context.color_trc = transform.primaries, transform.transfer
        context.colorspace, context.color_range = transform.matrix, 1
    for index, planes in enumerate(frames):
        frame = av.VideoFrame.from_ndarray(planes, format=fmt.pix_fmt)
        frame.pts = index
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))
    container.close()
    return time.perf_counter() - started, cpu_seconds() - cpu


def ffmpeg_encode(frames, width, height, fps, fmt, quality, folder: Path) -> tuple[float, float]:
    """Seconds and CPU seconds of the ffmpeg CLI encoding the same frames from a rawvideo file."""
    raw = folder / "frames.yuv"
    with raw.open("wb") as out:
        for planes in frames:
            out.write(planes.tobytes())
    options = [part for key, value in encoder_options(fmt, quality).items() for part in (f"-{key}", value)]
    command = ["ffmpeg", "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", fmt.pix_fmt,
               "-s", f"{width}x{height}", "-r", str(fps), "-i", str(raw), "-c:v", fmt.codec, *options,
               "-pix_fmt", fmt.pix_fmt, str(folder / "ffmpeg.mp4")]
    started, cpu = time.perf_counter(), children_cpu()
    subprocess.run(command, check=True)
    seconds, cpu = time.perf_counter() - started, children_cpu() - cpu
    raw.unlink()
    return seconds, cpu


def export_vs_encoder(folder: Path, quick: bool) -> tuple[dict, dict]:
    """Part 1, and part 2 on the same warm cache; (results, the numbers part 2 needs)."""
    from engine.media.colorspaces import OUTPUT_TRANSFORMS
    from engine.media.export_formats import FORMATS

    project = sample_copy(folder, QUICK_FRAMES - 1 if quick else -1)
    cache = folder / "sample-cache"
    log("sample film: warm-up render (not timed) ...")
    warm, warm_s, _ = render_cli(project, folder / "warmup.mp4", cache)
    log(f"sample film: warm-up took {warm_s:.1f} s; timed renders ...")
    graph = cli.load_project(project, cli.build_registry()).graph
    export = of_type(graph, EXPORT)[0]
    interpolated = [n for n in of_type(graph, SCENE) if graph.nodes[n].params.get("method") != "still + camera"]
    params = graph.nodes[export].params
    fmt, quality = FORMATS[params.get("format", "h264")], int(params.get("quality", 18))
    transform = OUTPUT_TRANSFORMS.get(params.get("output_transform", "rec709"))
    # Export and encoder alone in turns, PAIRS times: each side's faster run counts (load from other
    # work only ever slows a run down), and each pair's own ratio shows how much the host moved.
    exports, encodes, frames = [], [], None
    for pair in range(1 if quick else PAIRS):
        timed, render_s, render_cpu = render_cli(project, folder / f"sample{pair}.mp4", cache)
        report = timed.report
        not_cached = [n for n in interpolated if report.results[n].status != "cached"]
        if not interpolated or not_cached:
            raise SystemExit(f"the interpolated shot did not come from the cache on a timed render: {not_cached}")
        exports.append((report.results[export].seconds, timed, render_s, render_cpu))
        if frames is None:
            frames, width, height, fps = decode_yuv(folder / f"sample{pair}.mp4")
        log(f"sample film: Export {exports[-1][0]:.1f} s for {len(frames)} frames; encoding them alone with PyAV ...")
        encodes.append(pyav_encode(frames, width, height, fps, fmt, quality, transform, folder / "pyav.mp4"))
    export_s, timed, render_s, render_cpu = min(exports, key=lambda run: run[0])
    report = timed.report
    encode_s, encode_cpu = min(encodes)
    result = {"export_s": round(export_s, 2), "export_fps": round(len(frames) / export_s, 2),
              "export_cpu_s": round(timed.node_cpu.get(export, float("nan")), 1),
              "export_frames": len(frames), "export_size": f"{width}x{height}",
              "export_render_s": round(render_s, 2), "export_render_cpu_s": round(render_cpu, 1),
              "warmup_render_s": round(warm_s, 1),
              "second_render": {status: report.with_status(status) for status in ("ran", "cached", "skipped")
                                if report.with_status(status)},
              "interpolated_cached": interpolated,
              "encoder_fps": round(len(frames) / encode_s, 2), "encoder_s": round(encode_s, 2),
              "encoder_cpu_s": round(encode_cpu, 1),
              "encoder_options": {"codec": fmt.codec, "pix_fmt": fmt.pix_fmt, **encoder_options(fmt, quality),
                                  "thread_type": "AUTO"},
              "ratio_each_pair": [round(encoded[0] / run[0], 3) for run, encoded in zip(exports, encodes)]}
    if shutil.which("ffmpeg"):
        log("encoding them with the ffmpeg CLI ...")
        cli_s, cli_cpu = ffmpeg_encode(frames, width, height, fps, fmt, quality, folder)
        result.update(ffmpeg_cli_fps=round(len(frames) / cli_s, 2), ffmpeg_cli_s=round(cli_s, 2),
                      ffmpeg_cli_cpu_s=round(cli_cpu, 1))
    else:
        result.update(ffmpeg_cli_fps=None, ffmpeg_cli_note="no ffmpeg binary on PATH: the CLI peer was skipped")
    fastest = max(result["encoder_fps"], result["ffmpeg_cli_fps"] or 0.0)
    result.update(ratio=round(result["export_fps"] / fastest, 3), ratio_target=RATIO_TARGET)
    result.update(cpu_budget(result["export_cpu_s"], encode_cpu, encode_s, len(frames)))  # the PyAV peer: its CPU is known
    return result, {"project": project, "cache": cache, "encode": (encode_s, len(frames), encode_cpu)}


def cpu_budget(export_cpu: float, encoder_cpu: float, encoder_s: float, frames: int) -> dict:
    """What the cores allow: the picture side's CPU per frame (the Export's CPU less the encoder's own),
    the ratio the export would reach were every core busy for all of it, and the picture side's CPU per
    frame at which that ratio would be the target. Where the encoder alone keeps most cores busy (x264
    takes ~1.8 of 2), the export's CPU bounds the ratio whatever the threading."""
    cores = os.cpu_count() or 1
    budget = (cores * encoder_s / RATIO_TARGET - encoder_cpu) / frames
    return {"picture_cpu_ms_per_frame": round((export_cpu - encoder_cpu) * 1000 / frames, 1),
            "ratio_if_cores_all_busy": round(encoder_s / (export_cpu / cores), 3),
            "picture_cpu_ms_per_frame_for_target": round(budget * 1000, 1)}


def stage_costs(project: Path, cache: Path, encode: tuple[float, int, float], quick: bool) -> dict:
    from engine.cache_settings import CacheSettings

    log("stages: each timed on its own, on the warm cache ...")
    loaded = cli.load_project(project, cli.build_registry())
    limit = cli.user_preferences().cache_settings().limit_bytes  # as the CLI opens it
    executor = Executor(CacheSettings(cache, limit).open(), project_dir=loaded.folder, paths=loaded.paths)
    found = measure_stages(loaded, executor, QUICK_FRAMES if quick else None)
    stages, film_frames = found["stages"], found["film_frames"]
    stages.add("encode", *encode)  # the PyAV peer's: x264 alone on the exported frames
    # Quick pulls the first frames of every clip, so totals over the film's frames would mean nothing.
    return {"stages_ms": {s: stages.ms_per_frame(s) for s in STAGE_ORDER},
            "stages_cpu_ms": {s: stages.ms_per_frame(s, cpu=True) for s in STAGE_ORDER},
            "stages_film_ms": None if quick else {s: stages.film_ms(s, film_frames) for s in STAGE_ORDER},
            "stage_frames": {s: int(t[1]) for s, t in stages.totals.items()},
            # (frames through the table, frames it sent the exact way) in the grade_and_output_table stage
            "table_and_exact_frames": stages.table_frames,
            "chain_ms": found["pipeline"]["chain_ms"], "chain_cpu_ms": found["pipeline"]["chain_cpu_ms"],
            "picture_only": found.get("picture_only"),
            **({"stage_errors": stages.errors} if stages.errors else {})}


def picture_device() -> str:
    """Where the GPU paths (camera resampling, grade tables: engine.media.lut.device) run: a CUDA card's
    name, or "cpu" with its core count. On a CUDA machine film60_fps is the issue's GPU figure."""
    import torch

    if torch.cuda.is_available():
        return f"cuda: {torch.cuda.get_device_name(0)}"
    return f"cpu: {os.cpu_count()} cores"


def film60(folder: Path, quick: bool) -> dict:
    project, frames, seconds = build_film60(folder / "film60", EXAMPLES / "stills", quick)
    out = folder / "film60" / "film60.mp4"
    log(f"film60: {seconds:g} s, {frames} frames at 1920x1080, rendered from an empty cache ...")
    with PeakMemory() as memory:
        executor, wall, cpu = render_cli(project, out, folder / "film60-cache")
    report, graph = executor.report, cli.load_project(project, cli.build_registry()).graph
    ran = sorted(report.with_status("ran"), key=lambda n: -report.results[n].seconds)
    found = probe(out)
    audio = found["audio"] or {}
    ok = (found["frames"] == frames and found["size"] == "1920x1080" and audio.get("peak_dbfs") is not None
          and abs(audio.get("seconds", 0) - seconds) < 0.1)
    return {"film60_1080p_s": round(wall, 1), "film60_cpu_s": round(cpu, 1), "film60_target_s": FILM60_TARGET_S,
            "film60_seconds": round(seconds, 3), "film60_frames": frames, "film60_fps": round(frames / wall, 2),
            "film60_device": picture_device(),
            "film60_nodes_s": {n: {"s": round(report.results[n].seconds, 1),
                                   "cpu_s": round(executor.node_cpu.get(n, 0), 1), "type": graph.nodes[n].type_id}
                               for n in ran[:6]},
            "film60_rss_mb": {"before": memory.start, "peak": memory.peak},
            "film60_probe": found, "film60_ok": ok}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"the sample's first {QUICK_FRAMES} frames, a 14 s film")
    parser.add_argument("--skip-export", action="store_true", help="no sample export, encoder peers or stages")
    parser.add_argument("--skip-film60", action="store_true", help="no 60 s 1080p film")
    parser.add_argument("--keep", metavar="DIR", help="work (and leave the films and caches) in DIR")
    args = parser.parse_args(argv)
    result: dict = {"quick": args.quick, "cores": os.cpu_count(),
                    "load_avg_start": [round(x, 2) for x in os.getloadavg()]}  # other work on the machine
    with contextlib.ExitStack() as stack:
        if args.keep:
            folder = Path(args.keep).resolve()
            folder.mkdir(parents=True, exist_ok=True)
        else:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="aiprod-pipeline-")))
        if not args.skip_export:
            export, carry = export_vs_encoder(folder, args.quick)
            result.update(export)
            result.update(stage_costs(carry["project"], carry["cache"], carry["encode"], args.quick))
        if not args.skip_film60:
            result.update(film60(folder, args.quick))
    result["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
