"""Grade speed on one 1920x1080 float32 frame: the Grade node's CPU path beside two references.

    .venv/bin/python benchmarks/grade.py [--repeats 7]

ms_per_frame: exposure, white balance, lift/gamma/gain, contrast, saturation and a 33-point .cube
LUT (Rec.709 gamma 2.4 input), as the Grade node runs it on this machine (OpenColorIO in row bands
on the CPU; torch on CUDA). colour_ms: colour-science's LUT3D.apply of the same LUT alone.
ocio_ms: OpenColorIO applying the same .cube alone (tetrahedral, one PackedImageDesc, in place).
Targets: 10x faster than colour_ms and no more than 2x ocio_ms. The three are timed in turns, so
load from other processes affects them alike.

table_ms: the same grade as an 8-bit SDR export runs it (engine/media/signal_lut.py): grade, Rec.709
output transform and the encoder's Y'CbCr planes in one baked 65³ table (97³ where 65 points cannot
follow the grade: table_size) with its fourth-root shaper, on one thread: the C kernel
(engine/media/signal_kernel.c, `table_path`: kernel) where it is built, else OpenCV's square roots
(held to one thread for it) and OpenColorIO's LUT (`table_path`: ocio); table_ratio_to_ocio compares it with
ocio_ms, OpenColorIO's bare LUT (one apply: one thread)
(target <= 1.2: the whole grade and output transform for about the price of the look's LUT alone).
The last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import PyOpenColorIO as ocio  # noqa: E402

from app.nodes.grade import Grade, looks_folder  # noqa: E402
from engine.media.grade_math import apply_ops_numpy, build_ops  # noqa: E402
from engine.media.lut import device, read_cube  # noqa: E402

LUT_FILE = looks_folder() / "teal_orange.cube"
GRADE = {**Grade.schema.default_params(), "exposure": 0.5, "temperature": 5600.0, "tint": 0.05,
         "lift": [1.02, 1.0, 0.98], "gamma": [1.05, 1.0, 0.95], "gain": [1.05, 1.0, 0.97], "contrast": 1.15,
         "saturation": 1.1}


def on_one_thread(work):
    """`work()` with OpenCV on the calling thread alone (the table's shaper is OpenCV's): one thread, as
    OpenColorIO's bare apply it is compared with."""
    import cv2

    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        return work()
    finally:
        cv2.setNumThreads(threads)


def test_frame(width: int = 1920, height: int = 1080) -> np.ndarray:
    """Smooth gradients with noise, scene-linear 0..1.2: every LUT cell and both branches of the curves."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([x / width, y / height, 1 - x / width], -1) * 1.2
    return np.clip(base * rng.uniform(0.5, 1.0, (height, width, 1)) + rng.normal(0, 0.02, (height, width, 3)),
                   0, None).astype(np.float32)


def grader(ops):
    """(the node's per-frame function, the same processor on one thread or None on CUDA)."""
    if device().type == "cuda":
        return (lambda frame: apply_ops_numpy(frame, ops)), None
    from engine.media.grade_ocio import apply_processor, cpu_processor

    processor = cpu_processor(ops)
    out = np.empty((1080, 1920, 3), np.float32)

    def one_thread(frame):
        processor.apply(ocio.PackedImageDesc(frame, 1920, 1080, 3), ocio.PackedImageDesc(out, 1920, 1080, 3))

    return (lambda frame: apply_processor(processor, frame)), one_thread


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import colour

    frame = test_frame()
    lut = read_cube(LUT_FILE)
    grade, grade_one_thread = grader(build_ops(GRADE, "lin_rec709", [(lut, "rec709")]))
    colour_lut = colour.read_LUT(str(LUT_FILE))
    config = ocio.Config.CreateRaw()
    bare = config.getProcessor(ocio.FileTransform(str(LUT_FILE), interpolation=ocio.INTERP_TETRAHEDRAL))
    bare_cpu = bare.getDefaultCPUProcessor()
    scratch = frame.copy()

    def ocio_alone():
        scratch[...] = frame
        started = time.perf_counter()
        bare_cpu.apply(ocio.PackedImageDesc(scratch, frame.shape[1], frame.shape[0], 3))
        return time.perf_counter() - started

    def timed(function):
        started = time.perf_counter()
        function()
        return time.perf_counter() - started

    # A second OCIO peer doing the whole grade, one standard transform per step (no curve folding),
    # as an OCIO pipeline built by hand would; the bare-LUT peer above is the stricter comparison.
    from engine.media.grade_ocio import cpu_processor

    same_grade = cpu_processor(build_ops(GRADE, "lin_rec709", [(lut, "rec709")]),
                               compile_curves=False)
    same_out = np.empty_like(frame)

    def ocio_same_grade():
        started = time.perf_counter()
        same_grade.apply(ocio.PackedImageDesc(frame, frame.shape[1], frame.shape[0], 3),
                         ocio.PackedImageDesc(same_out, frame.shape[1], frame.shape[0], 3))
        return time.perf_counter() - started

    from engine.media.grade_math import Grading
    from engine.media.colorspaces import OUTPUT_TRANSFORMS
    from engine.media.signal_lut import SignalEncoder, SignalTable

    # The table an export would bake for this grade (65 points, or 97 where 65 cannot follow it), or,
    # where none follows it, the 65-point one anyway, timed but reported as not accurate.
    # It writes the encoder's Y'CbCr (the Rec.709 matrix baked in), as an export's table does.
    grading = Grading(tuple(build_ops(GRADE, "lin_rec709", [(lut, "rec709")])))
    matrix = OUTPUT_TRANSFORMS["rec709"].matrix
    exported = SignalEncoder(grading, "lin_rec709", "rec709", exact=None, matrix=matrix).table_for(2.0)  # frame: 0..1.2
    table = exported or SignalTable(grading, "lin_rec709", "rec709", top=2.0, matrix=matrix)
    table_scratch = np.empty_like(frame)

    grade(frame)  # warm-up: thread pool, first-touch allocations
    same_times = [ocio_same_grade() for _ in range(3)]
    ours, theirs, ocio_times, single, tabled = [], [], [], [], []
    for _ in range(args.repeats):
        ours.append(timed(lambda: grade(frame)))
        tabled.append(on_one_thread(lambda: timed(lambda: table.encode(frame, table_scratch))))
        ocio_times.append(ocio_alone())
        if grade_one_thread is not None:
            single.append(timed(lambda: grade_one_thread(frame)))
        theirs.append(timed(lambda: colour_lut.apply(frame)))
    ms = statistics.median(ours) * 1000
    colour_ms = statistics.median(theirs) * 1000
    ocio_ms = statistics.median(ocio_times) * 1000
    result = {
        "ms_per_frame": round(ms, 1),
        "colour_ms": round(colour_ms, 1),
        "ocio_ms": round(ocio_ms, 1),
        "speedup_vs_colour": round(colour_ms / ms, 1),
        "ratio_to_ocio": round(ms / ocio_ms, 2),
        "ocio_same_grade_ms": round(statistics.median(same_times) * 1000, 1),
        "ratio_to_ocio_same_grade": round(ms / (statistics.median(same_times) * 1000), 2),
        "meets_target": colour_ms / ms >= 10 and ms / ocio_ms <= 2,
        "path": "torch-cuda" if device().type == "cuda" else "ocio-cpu-bands",
        "frame": "1920x1080x3 float32",
        "lut": f"{LUT_FILE.name} ({lut.size}^3)",
        # The same processor on one thread: compared with ocio_ms, this ratio does not depend on
        # how many cores other processes leave free.
        "ms_one_thread": round(statistics.median(single) * 1000, 1) if single else None,
        "ratio_to_ocio_one_thread": round(statistics.median(single) / statistics.median(ocio_times), 2)
        if single else None,
        "table_ms": round(statistics.median(tabled) * 1000, 1),
        "table_ratio_to_ocio": round(statistics.median(tabled) / statistics.median(ocio_times), 2),
        "table_ratio_target": 1.2,
        "table_accurate": table.accurate,  # within the limits at its cells: an export would use it
        "table_path": "kernel" if table.uses_kernel else "ocio",
        "table_size": table.size,
        "ms_per_frame_min": round(min(ours) * 1000, 1),
        "ocio_ms_min": round(min(ocio_times) * 1000, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),  # other processes sharing the cores
        "runs": args.repeats,
        "ms_each": [round(t * 1000, 1) for t in ours],
        "ocio_ms_each": [round(t * 1000, 1) for t in ocio_times],
    }
    print(f"grade {ms:.1f} ms/frame on {result['path']}; colour-science LUT alone {colour_ms:.0f} ms "
          f"({result['speedup_vs_colour']}x); OCIO LUT alone {ocio_ms:.1f} ms ({result['ratio_to_ocio']}x)")
    print(f"targets (10x colour, <= 2x OCIO): {'met' if result['meets_target'] else 'NOT met'}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
