"""What each way of making a shot costs on this machine: seconds per unit of work, measured, not assumed.

A stage is one kind of work the render router chooses between:
  camera      CPU seconds per megapixel-frame: resampling a still through a camera move
  flow_pair   CPU seconds per keyframe pair: optical flow both ways (at <= 960 px)
  flow_frame  CPU seconds per megapixel-frame: warping and blending one in-between
  video:<method>  GPU seconds per megapixel-frame per denoising step of that video method; with the
              peak VRAM (GB) per megapixel-frame it needed
Until a stage is measured, its shipped default is used and marked "estimated". Measurements come from
Render > Calibrate (short timed runs) or from real renders as they happen (`record`), blended so one
slow render (a busy machine) moves the figure a third of the way, not all of it. The table is kept in
the user data folder with the CPU and GPU it was measured on: measured on other hardware, it is set
aside and the defaults are used again.
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import atomic_write_text

VIDEO_METHODS = ("first/last-frame video", "full video diffusion")
# Shipped defaults. CPU figures are what `aiprod calibrate` measured on this project's 2-core CPU
# (AMD EPYC, AVX2, with the C kernels built: engine/media/warp_kernel.c, flow_kernel.c); GPU figures
# are planning numbers for current open video models (LTX-2, Wan 2.x) on one data-centre GPU at 30
# steps, per megapixel-frame and step: order of magnitude until measured.
DEFAULTS = {
    "camera": 0.004,  # ~8 ms per 1080p frame (measured 0.0037)
    "flow_pair": 0.3,  # measured 0.298
    "flow_frame": 0.065,  # ~135 ms per 1080p in-between (measured 0.064 with the weights in the C kernel)
    "video:first/last-frame video": 0.05,  # 1.5 s per megapixel-frame at 30 steps
    "video:full video diffusion": 0.1,  # 3 s per megapixel-frame at 30 steps
}
DEFAULT_VRAM_GB = {"video:first/last-frame video": 0.6, "video:full video diffusion": 0.8}  # per megapixel-frame
BLEND = 1 / 3  # a new measurement's share of the figure: a one-off slow run moves it a third of the way
FILE_NAME = "calibration.json"
FORMAT = 1


def machine_name() -> str:
    """The CPU and (when torch sees one) GPU the figures belong to.

    torch is imported here if nothing has imported it yet (the node registry does not): the name must
    not depend on what happens to be imported. A table loaded before torch and saved after a render
    would otherwise be filed under "no GPU" on a GPU machine, replacing the GPU's measurements, and a
    thread still importing torch would show this one a half-made module."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    except OSError:
        pass
    gpu = "no GPU"
    import torch

    if torch.cuda.is_available():
        gpu = torch.cuda.get_device_name(0)
    return f"{cpu} · {os.cpu_count()} cores · {gpu}"


@dataclass
class Stage:
    seconds: float  # per unit (see the module's docstring)
    measured: bool = False
    samples: int = 0
    vram_gb: float = 0.0  # video stages: peak GB per megapixel-frame

    def to_data(self) -> dict:
        return {"seconds": float(f"{self.seconds:.6g}"), "measured": self.measured, "samples": self.samples,
                "vram_gb": float(f"{self.vram_gb:.6g}")}


@dataclass
class Calibration:
    machine: str = field(default_factory=machine_name)
    stages: dict[str, Stage] = field(default_factory=dict)
    path: Path | None = None  # where it is saved; None: kept in memory (tests, a CLI without a data folder)

    @classmethod
    def defaults(cls, path: Path | None = None) -> "Calibration":
        return cls(stages={name: Stage(seconds, vram_gb=DEFAULT_VRAM_GB.get(name, 0.0))
                           for name, seconds in DEFAULTS.items()}, path=path)

    @classmethod
    def load(cls, folder: Path | None) -> "Calibration":
        """The table saved in `folder` for this machine; the defaults when there is none, it is damaged or
        it was measured on other hardware (the warnings of a damaged file are not worth a user's attention:
        it is measured again)."""
        path = Path(folder) / FILE_NAME if folder is not None else None
        table = cls.defaults(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8")) if path is not None and path.is_file() else None
        except (OSError, ValueError):
            data = None
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("machine") != table.machine:
            return table
        for name, entry in (data.get("stages") or {}).items():
            if name in table.stages and isinstance(entry, dict):
                seconds, vram = entry.get("seconds"), entry.get("vram_gb", 0.0)
                if isinstance(seconds, (int, float)) and 0 < seconds < 1e6 and isinstance(vram, (int, float)):
                    table.stages[name] = Stage(float(seconds), bool(entry.get("measured")),
                                               int(entry.get("samples") or 0), max(0.0, float(vram)))
        return table

    def save(self) -> None:
        if self.path is None:
            return
        data = {"format": FORMAT, "machine": self.machine,
                "stages": {name: stage.to_data() for name, stage in sorted(self.stages.items())}}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path, json.dumps(data, indent=2) + "\n")

    # ---- reading ----------------------------------------------------------------------------

    def seconds(self, stage: str) -> float:
        return self.stages[stage].seconds

    def is_measured(self, stage: str) -> bool:
        return self.stages[stage].measured

    def vram_gb(self, stage: str) -> float:
        return self.stages[stage].vram_gb

    # ---- measuring --------------------------------------------------------------------------

    def record(self, stage: str, seconds: float, units: float, vram_gb: float | None = None,
               megapixel_frames: float | None = None, replace: bool = False) -> None:
        """`seconds` spent on `units` of a stage's work (megapixel-frames, pairs, or megapixel-frame-steps),
        with the peak VRAM of making `megapixel_frames` (a video take).

        The first measurement replaces the default; later ones are blended in (`replace`: a calibration
        run, measured on a quiet machine on purpose, replaces)."""
        if stage not in self.stages or units <= 0 or not seconds > 0:
            return
        current, rate = self.stages[stage], seconds / units
        vram = vram_gb / megapixel_frames if vram_gb and megapixel_frames else current.vram_gb
        if current.measured and not replace:
            rate = current.seconds + BLEND * (rate - current.seconds)
            vram = max(vram, current.vram_gb) if vram_gb else current.vram_gb
        self.stages[stage] = Stage(rate, True, current.samples + 1, vram)
