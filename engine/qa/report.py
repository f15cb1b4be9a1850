"""A QA report: the findings of the checks, each with its shot, time span, measured value and limit.

The report is plain data: written as JSON beside an export (`<name>.qa.json`), read back by the
editor's QA table and the CLI summary. Times are seconds from the start of what was checked, with
their SMPTE timecode at the film's rate (engine.timebase), so a finding can be found in any editor.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path

from ..atomic import atomic_write_text
from ..media.authorship import KEY, MARK, marked_provenance
from ..timebase import timecode_of

REPORT_VERSION = 1
FAILED, PASSED = "failed", "passed"


@dataclass(frozen=True)
class ShotSpan:
    """One shot where it plays in what is checked (frames start..end-1), and what its node asked for."""

    title: str  # the node the shot is named after (its Scene), as the user labelled it
    node_id: str
    start: int
    end: int
    expected_frames: int | None = None  # what the Scene asks for; None: not known before it is made
    expected_fps: Fraction | None = None
    made_frames: int | None = None  # what it was made with (before any trim)
    made_fps: Fraction | None = None
    moves: bool = True  # generated or interpolated motion, where identical frames are a stall


@dataclass(frozen=True)
class Finding:
    check: str  # "black", "frozen", "flicker", "nan", "overexposed", "underexposed", "duration", "fps",
    #              "loudness", "true peak", "clipping", "silent dialogue", "av length"
    shot: str  # the shot's title ("" for the whole film)
    shot_id: str
    start: float  # seconds from the start of what was checked
    end: float
    start_tc: str
    end_tc: str
    value: float
    limit: float
    unit: str
    message: str


@dataclass
class Report:
    fps: Fraction
    frames: int
    seconds: float
    findings: list[Finding] = field(default_factory=list)
    measured: dict = field(default_factory=dict)  # whole-film figures (loudness, true peak, ...) for the record
    checked: list[str] = field(default_factory=list)  # the checks that ran (a check not run is not a pass)
    first: int = 0  # the film's frame where what was checked starts (an export of part of a film)

    @property
    def status(self) -> str:
        return FAILED if self.findings else PASSED

    def add(self, check: str, shot: ShotSpan | None, start_frame: int, end_frame: int, value: float, limit: float,
            unit: str, message: str) -> None:
        """A finding over frames start_frame..end_frame-1 of what was checked; its times are the film's."""
        start_frame, end_frame = start_frame + self.first, end_frame + self.first
        self.findings.append(Finding(check, shot.title if shot else "", shot.node_id if shot else "",
                                     round(float(Fraction(start_frame) / self.fps), 3),
                                     round(float(Fraction(end_frame) / self.fps), 3),
                                     timecode_of(start_frame, self.fps), timecode_of(end_frame, self.fps),
                                     round(float(value), 4), round(float(limit), 4), unit, message))

    def to_data(self) -> dict:
        return {KEY: MARK, "aiprod_qa": REPORT_VERSION, "status": self.status, "fps": str(self.fps),
                "first": self.first, "frames": self.frames, "seconds": round(self.seconds, 3), "checked": self.checked,
                "measured": self.measured, "findings": [asdict(f) for f in self.findings]}

    @classmethod
    def from_data(cls, data: dict) -> "Report":
        report = cls(Fraction(data["fps"]), int(data["frames"]), float(data["seconds"]),
                     [Finding(**f) for f in data["findings"]], dict(data.get("measured", {})),
                     list(data.get("checked", [])), int(data.get("first", 0)))
        return report


def table_rows(report: Report) -> list[tuple[str, str, str, str, str]]:
    """(shot, time, check, value, limit) per finding, as the editor's table and the CLI print them."""
    rows = []
    for f in report.findings:
        shot = f"{f.shot} ({f.shot_id})" if f.shot_id else f.shot or "film"
        rows.append((shot, f"{f.start_tc}–{f.end_tc}", f.check, f"{f.value:g} {f.unit}".strip(),
                     f"{f.limit:g} {f.unit}".strip()))
    return rows


def report_path(film: Path) -> Path:
    """Where an export's report goes: film.mp4 -> film.qa.json, shot_%04d.exr -> shot.qa.json."""
    stem = film.name.split("%", 1)[0].rstrip("._- ") if "%" in film.name else film.stem
    return film.with_name(f"{stem or 'render'}.qa.json")


def write_report(report: Report, path: Path) -> bool:
    """Write the report atomically; False (nothing written) where a file AIPROD did not write is in the way."""
    if path.exists() and not marked_provenance(path.read_text(encoding="utf-8", errors="replace")):
        return False
    atomic_write_text(path, json.dumps(report.to_data(), indent=1, ensure_ascii=False))
    return True


def read_report(path: Path) -> Report | None:
    """The report at `path`, or None when there is none or it does not read as one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return Report.from_data(data) if data.get("aiprod_qa") else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
