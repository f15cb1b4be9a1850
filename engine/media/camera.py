"""Virtual camera moves over a picture or a shot: poses, keyframed paths, handheld shake, resampling.

A pose says how the camera frames the source, whose picture first fills the output frame
("cover" crop or "contain" letterbox):

- pan_x, pan_y: where the camera looks, in fractions of the frame (0.1 = a tenth of the frame
  width to the right; y points down). Panning right moves the picture left on screen.
- zoom: magnification about the frame centre (2 = twice as close). Interpolated geometrically,
  so a push-in looks like it moves at constant speed.
- roll: camera rotation in degrees, positive clockwise, so the picture turns counter-clockwise.
- dolly, focus_x, focus_y: a 2.5D push toward the picture plane. `dolly` is the fraction of the
  distance to the picture travelled (0.5 = half way = 2x magnification; negative pulls back), and
  the focus point (fractions of the frame, 0.5/0.5 = centre) stays where it is on screen. Unlike
  zoom it is interpolated linearly in distance, so magnification 1/(1 - dolly) speeds up as the
  camera nears, as a real dolly does. A single picture has no depth, so there is no parallax.

A path is a list of keyed poses at positions t in 0..1 along the shot (0 = first frame, 1 = last),
so one path drives a shot of any length or frame rate; each segment has its own easing. A path
with time_unit "seconds" keys its poses in seconds from the first frame instead, so the move keeps
its speed whatever the shot's length (a shorter shot ends part way through it). The path is a
plain JSON dict (the CameraPath port value); `CameraPath.from_dict` validates one.

engine/media/camera_render.py turns poses into frames.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import numpy as np


PATH_VERSION = 1
POSE_FIELDS = ("pan_x", "pan_y", "zoom", "roll", "dolly", "focus_x", "focus_y")
# CSS named timing functions, as cubic-bezier control points (x1, y1, x2, y2).
NAMED_EASINGS = {"linear": (0.0, 0.0, 1.0, 1.0), "ease-in": (0.42, 0.0, 1.0, 1.0),
                 "ease-out": (0.0, 0.0, 0.58, 1.0), "ease-in-out": (0.42, 0.0, 0.58, 1.0)}
SPATIAL = ("linear", "bezier")
TIME_UNITS = ("shot", "seconds")  # what Key.t counts: fractions of the shot, or seconds from its first frame
MAX_DOLLY = 0.95  # 20x magnification; at 1 the camera would sit on the picture plane
SHAKE_ROLL_DEGREES = 20.0  # shake amplitude 0.01 of the frame also rolls about 0.2 degrees


@dataclass(frozen=True)
class Pose:
    pan_x: float = 0.0
    pan_y: float = 0.0
    zoom: float = 1.0
    roll: float = 0.0
    dolly: float = 0.0
    focus_x: float = 0.5
    focus_y: float = 0.5

    @property
    def magnification(self) -> float:
        """How much larger the picture looks than at the base fit (zoom and dolly together)."""
        return self.zoom / (1.0 - self.dolly)

    @classmethod
    def from_dict(cls, data: dict, where: str = "pose") -> "Pose":
        if not isinstance(data, dict):
            raise ValueError(f"{where} must be an object with fields {', '.join(POSE_FIELDS)}; got {data!r}")
        unknown = sorted(set(data) - set(POSE_FIELDS))
        if unknown:
            raise ValueError(f"{where}: unknown field(s) {unknown}; a pose has {', '.join(POSE_FIELDS)}")
        values = {}
        for name, value in data.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{where}: {name} must be a finite number, got {value!r}")
            values[name] = float(value)
        pose = cls(**values)
        if pose.zoom <= 0:
            raise ValueError(f"{where}: zoom must be above 0 (1 = no zoom), got {pose.zoom}")
        if pose.dolly > MAX_DOLLY:
            raise ValueError(f"{where}: dolly must be at most {MAX_DOLLY} (the camera would reach the picture), "
                             f"got {pose.dolly}")
        return pose


def cubic_bezier(x1: float, y1: float, x2: float, y2: float, x: float) -> float:
    """CSS cubic-bezier(x1, y1, x2, y2) timing at progress x: the curve from (0,0) to (1,1)."""
    if x <= 0.0 or x >= 1.0:
        return 0.0 if x <= 0.0 else 1.0

    def coord(a: float, b: float, s: float) -> float:
        return 3 * (1 - s) ** 2 * s * a + 3 * (1 - s) * s * s * b + s ** 3

    # x(s) is monotonic for x1, x2 in 0..1: bisection always converges (Newton may not).
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if coord(x1, x2, mid) < x:
            lo = mid
        else:
            hi = mid
    return coord(y1, y2, (lo + hi) / 2)


def ease(easing: str | tuple[float, float, float, float], x: float) -> float:
    """Eased progress for linear progress x in 0..1; `easing` is a NAMED_EASINGS key or 4 control points."""
    if easing == "linear":
        return min(max(x, 0.0), 1.0)
    points = NAMED_EASINGS[easing] if isinstance(easing, str) else easing
    return cubic_bezier(*points, x)


def _check_easing(value, where: str) -> str | tuple[float, float, float, float]:
    if isinstance(value, str):
        if value not in NAMED_EASINGS:
            raise ValueError(f"{where}: unknown easing {value!r}; use one of {', '.join(NAMED_EASINGS)} "
                             "or four cubic-bezier numbers [x1, y1, x2, y2]")
        return value
    if (not isinstance(value, (list, tuple)) or len(value) != 4
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value)):
        raise ValueError(f"{where}: easing must be a name or four numbers [x1, y1, x2, y2], got {value!r}")
    if not (0 <= value[0] <= 1 and 0 <= value[2] <= 1):
        raise ValueError(f"{where}: cubic-bezier x1 and x2 must be within 0..1 (time cannot run backwards), "
                         f"got {list(value)}")
    return tuple(float(v) for v in value)


@dataclass(frozen=True)
class Key:
    t: float  # position along the shot, 0..1 (or seconds, in a path whose time_unit is "seconds")
    pose: Pose
    ease: str | tuple[float, float, float, float] = "linear"  # easing of the segment that starts here
    spatial: str = "linear"  # "bezier": pan follows a smooth curve through the neighbouring keys


@dataclass(frozen=True)
class Shake:
    """Handheld wobble: a few incommensurate sines per axis with seeded frequencies and phases."""

    amplitude: float = 0.0  # peak pan offset, fraction of the frame (0..0.2)
    frequency: float = 1.0  # dominant frequency, Hz
    seed: int = 0

    @property
    def overscan(self) -> float:
        """Extra zoom that keeps the wobble from showing past the picture's edges (1 without shake).

        Room for the largest pan offset on each side, times what hides the corners at the largest
        roll for frames up to 16:9 (or 9:16) - the path does not know the frame's aspect.
        """
        if self.amplitude == 0:
            return 1.0
        roll = math.radians(self.amplitude * SHAKE_ROLL_DEGREES)
        return (math.cos(roll) + 16 / 9 * math.sin(roll)) / (1.0 - 2.0 * self.amplitude)

    def offsets(self, seconds: float) -> tuple[float, float, float]:
        """(pan x, pan y, roll degrees) offsets at a time in seconds; the same seed gives the same wobble."""
        if self.amplitude == 0:
            return 0.0, 0.0, 0.0
        rng = np.random.default_rng(self.seed)
        weights = np.array([0.6, 0.3, 0.1])  # sum 1: the offset never exceeds the amplitude
        out = []
        for _axis in range(3):
            ratios = rng.uniform([0.7, 1.6, 3.1], [1.0, 2.3, 4.3])  # incommensurate: the pattern does not repeat
            phases = rng.uniform(0, 2 * math.pi, 3)
            out.append(float(np.sum(weights * np.sin(2 * math.pi * self.frequency * ratios * seconds + phases))))
        return (self.amplitude * out[0], self.amplitude * out[1], self.amplitude * SHAKE_ROLL_DEGREES * out[2])


@dataclass(frozen=True)
class CameraPath:
    keys: tuple[Key, ...]
    shake: Shake = Shake()
    shutter_angle: float = 0.0  # degrees of the frame interval the shutter is open; 0 = no motion blur
    blur_samples: int = 1  # sub-frame samples averaged when shutter_angle > 0
    time_unit: str = "shot"  # one of TIME_UNITS: how the keys' t is counted

    @classmethod
    def still(cls, pose: Pose = Pose()) -> "CameraPath":
        return cls((Key(0.0, pose),))

    @classmethod
    def move(cls, start: Pose, end: Pose, easing="linear", **kw) -> "CameraPath":
        return cls((Key(0.0, start, easing), Key(1.0, end)), **kw)

    @property
    def is_static(self) -> bool:
        """True when every frame is framed the same (no movement, no shake)."""
        return self.shake.amplitude == 0 and len({k.pose for k in self.keys}) == 1

    def max_magnification(self) -> float:
        return max(k.pose.magnification for k in self.keys) * self.shake.overscan

    def pose_at(self, t: float, seconds: float = 0.0) -> Pose:
        """The pose at shot position t (0..1), `seconds` after the first frame, plus shake.

        Keys are found by t, or by seconds when the path is keyed in seconds; the first key's pose
        holds before it and the last key's after it.
        """
        position = seconds if self.time_unit == "seconds" else min(max(t, 0.0), 1.0)
        pose = self._keyed_pose(position)
        if self.shake.amplitude == 0:
            return pose
        dx, dy, droll = self.shake.offsets(seconds)
        return replace(pose, pan_x=pose.pan_x + dx, pan_y=pose.pan_y + dy, roll=pose.roll + droll,
                       zoom=pose.zoom * self.shake.overscan)

    def _keyed_pose(self, t: float) -> Pose:
        keys = self.keys
        if t <= keys[0].t:
            return keys[0].pose
        if t >= keys[-1].t:
            return keys[-1].pose
        index = next(i for i in range(len(keys) - 1) if keys[i].t <= t < keys[i + 1].t)
        a, b = keys[index], keys[index + 1]
        u = ease(a.ease, (t - a.t) / (b.t - a.t))
        pa, pb = a.pose, b.pose
        lerp = lambda x, y: x + (y - x) * u  # noqa: E731
        if a.spatial == "bezier":
            pan_x, pan_y = self._bezier_pan(index, u)
        else:
            pan_x, pan_y = lerp(pa.pan_x, pb.pan_x), lerp(pa.pan_y, pb.pan_y)
        return Pose(pan_x, pan_y, pa.zoom * (pb.zoom / pa.zoom) ** u, lerp(pa.roll, pb.roll),
                    lerp(pa.dolly, pb.dolly), lerp(pa.focus_x, pb.focus_x), lerp(pa.focus_y, pb.focus_y))

    def _bezier_pan(self, index: int, u: float) -> tuple[float, float]:
        """Cubic Bezier between keys index and index+1 with Catmull-Rom handles from the neighbours."""
        pans = [np.array([k.pose.pan_x, k.pose.pan_y]) for k in self.keys]
        p0, p3 = pans[index], pans[index + 1]
        before = pans[index - 1] if index > 0 else p0
        after = pans[index + 2] if index + 2 < len(pans) else p3
        p1 = p0 + (p3 - before) / 6.0
        p2 = p3 - (after - p0) / 6.0
        point = (1 - u) ** 3 * p0 + 3 * (1 - u) ** 2 * u * p1 + 3 * (1 - u) * u * u * p2 + u ** 3 * p3
        return float(point[0]), float(point[1])

    # ---- JSON (the CameraPath port value) ------------------------------------------------

    def to_dict(self) -> dict:
        data = {"version": PATH_VERSION,
                "keys": [{"t": k.t, "pose": asdict(k.pose), "ease": list(k.ease) if isinstance(k.ease, tuple)
                          else k.ease, "spatial": k.spatial} for k in self.keys],
                "shake": asdict(self.shake),
                "motion_blur": {"shutter_angle": self.shutter_angle, "samples": self.blur_samples}}
        if self.time_unit != "shot":  # written only when set, so paths keyed along the shot stay as they were
            data["time_unit"] = self.time_unit
        return data

    @classmethod
    def from_dict(cls, data) -> "CameraPath":
        """Validate a path dict; a ValueError names the field at fault and what would fit."""
        if not isinstance(data, dict):
            raise ValueError(f"a camera path must be an object with 'keys', got {type(data).__name__}")
        if data.get("version", PATH_VERSION) != PATH_VERSION:
            raise ValueError(f"camera path version {data.get('version')!r} is not supported (this build reads "
                             f"version {PATH_VERSION}); update AIPROD Studio")
        time_unit = data.get("time_unit", "shot")
        if time_unit not in TIME_UNITS:
            raise ValueError(f"time_unit must be one of {', '.join(TIME_UNITS)}, got {time_unit!r}")
        raw_keys = data.get("keys")
        if not isinstance(raw_keys, list) or not raw_keys:
            raise ValueError("a camera path needs a non-empty list 'keys' of {t, pose} entries")
        keys = []
        for number, raw in enumerate(raw_keys):
            where = f"camera path key {number}"
            if not isinstance(raw, dict) or "t" not in raw or "pose" not in raw:
                raise ValueError(f"{where} must be an object with 't' (0..1) and 'pose', got {raw!r}")
            t = raw["t"]
            if time_unit == "seconds":
                if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0.0 <= t < math.inf:
                    raise ValueError(f"{where}: t must be a number of seconds, 0 or more, got {t!r}")
            elif isinstance(t, bool) or not isinstance(t, (int, float)) or not 0.0 <= t <= 1.0:
                raise ValueError(f"{where}: t must be a number within 0..1 (position along the shot), got {t!r}")
            if keys and t <= keys[-1].t:
                raise ValueError(f"{where}: t={t} must come after the previous key's t={keys[-1].t}")
            spatial = raw.get("spatial", "linear")
            if spatial not in SPATIAL:
                raise ValueError(f"{where}: spatial must be one of {', '.join(SPATIAL)}, got {spatial!r}")
            keys.append(Key(float(t), Pose.from_dict(raw["pose"], where + " pose"),
                            _check_easing(raw.get("ease", "linear"), where), spatial))
        shake = _read_shake(data.get("shake") or {})
        blur = data.get("motion_blur") or {}
        angle, samples = blur.get("shutter_angle", 0.0), blur.get("samples", 1)
        if isinstance(angle, bool) or not isinstance(angle, (int, float)) or not 0 <= angle <= 360:
            raise ValueError(f"motion_blur.shutter_angle must be 0..360 degrees (180 is film-like), got {angle!r}")
        if isinstance(samples, bool) or not isinstance(samples, int) or not 1 <= samples <= 64:
            raise ValueError(f"motion_blur.samples must be a whole number 1..64, got {samples!r}")
        return cls(tuple(keys), shake, float(angle), samples, time_unit)


def _read_shake(raw) -> Shake:
    if not isinstance(raw, dict):
        raise ValueError(f"shake must be an object with amplitude, frequency and seed, got {raw!r}")
    amplitude, frequency, seed = raw.get("amplitude", 0.0), raw.get("frequency", 1.0), raw.get("seed", 0)
    if isinstance(amplitude, bool) or not isinstance(amplitude, (int, float)) or not 0 <= amplitude <= 0.2:
        raise ValueError(f"shake.amplitude must be 0..0.2 (fraction of the frame), got {amplitude!r}")
    if isinstance(frequency, bool) or not isinstance(frequency, (int, float)) or not 0 < frequency <= 100:
        raise ValueError(f"shake.frequency must be above 0 and at most 100 Hz, got {frequency!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"shake.seed must be a whole number 0 or more, got {seed!r}")
    return Shake(float(amplitude), float(frequency), seed)
