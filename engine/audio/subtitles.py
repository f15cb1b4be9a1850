"""Subtitles: readable cues from word timings, SRT/WebVTT text, and cues burned into frames.

Cues follow common broadcast rules: at most 2 lines of 42 characters, on screen at least 1 s
and at most 7 s, and held long enough to read at 17 characters a second where the next cue
leaves room (fast speech cannot always be subtitled verbatim at that speed). A cue never spans
two lines of dialogue, ends a sentence where it can, and otherwise breaks after a comma.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

from ..media.text_render import shadow_mask, text_mask

SAFE_AREA = 0.9  # title-safe: text stays inside the central 90 % of width and height
STYLES = ("box", "shadow")
_SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*$")
_CLAUSE_END = re.compile(r"[,;:\u2014\u2013][\"'\u201d\u2019)\]]*$")
_GAP = 0.08  # seconds kept clear before the next cue (two frames), so cues visibly change
_TIME = re.compile(r"(\d+):(\d\d):(\d\d)[,.](\d{3})\s*-->\s*(\d+):(\d\d):(\d\d)[,.](\d{3})")


@dataclass
class Cue:
    start: float  # seconds
    end: float
    text: str  # lines separated by "\n"
    speaker: str = ""

    def as_json(self) -> dict:
        return {"start": round(self.start, 3), "end": round(self.end, 3), "text": self.text, "speaker": self.speaker}


@dataclass(frozen=True)
class CueRules:
    max_chars: int = 42
    max_lines: int = 2
    min_duration: float = 1.0
    max_duration: float = 7.0
    max_cps: float = 17.0


def wrap(words: list[str], max_chars: int, max_lines: int = 2) -> list[str] | None:
    """The words as 1 or 2 balanced lines within max_chars, or None if they do not fit."""
    text = " ".join(words)
    if len(text) <= max_chars or len(words) == 1:  # one over-long word cannot be split: allow it
        return [text]
    if max_lines < 2:
        return None
    best, best_score = None, None
    for j in range(1, len(words)):
        top, bottom = " ".join(words[:j]), " ".join(words[j:])
        if len(top) > max_chars or len(bottom) > max_chars:
            continue
        # Balanced lines read best; a break after punctuation keeps phrases whole.
        score = abs(len(top) - len(bottom)) - (10 if _CLAUSE_END.search(top) or _SENTENCE_END.search(top) else 0)
        if best_score is None or score < best_score:
            best, best_score = [top, bottom], score
    return best


def cues_from_timings(timings: dict, rules: CueRules = CueRules(), offset: float = 0.0) -> list[Cue]:
    """Cues for every line of a Voice node's timings, shifted by `offset` seconds."""
    cues: list[Cue] = []
    for line in timings.get("lines", []):
        words = [w for w in line.get("words", []) if w["text"].strip()]
        for group in _group_words(words, rules):
            lines = wrap([w["text"] for w in group], rules.max_chars, rules.max_lines)
            cues.append(Cue(group[0]["start"] + offset, group[-1]["end"] + offset, "\n".join(lines),
                            line.get("speaker", "")))
    return _settle(cues, rules)


def _group_words(words: list[dict], rules: CueRules) -> list[list[dict]]:
    def fits(group):
        return (wrap([w["text"] for w in group], rules.max_chars, rules.max_lines) is not None
                and (len(group) == 1 or group[-1]["end"] - group[0]["start"] <= rules.max_duration))

    groups, cue, i = [], [], 0
    while i < len(words):
        word = words[i]
        if cue and not fits(cue + [word]):
            # Full: break after the last comma in the cue's second half if there is one.
            commas = [k for k in range(len(cue) // 2, len(cue) - 1) if _CLAUSE_END.search(cue[k]["text"])]
            keep = commas[-1] + 1 if commas else len(cue)
            groups.append(cue[:keep])
            cue = cue[keep:]
            continue
        cue.append(word)
        i += 1
        if _SENTENCE_END.search(word["text"]) and i < len(words):
            rest = next((k + 1 for k in range(i, len(words)) if _SENTENCE_END.search(words[k]["text"])), len(words))
            if not fits(cue + words[i:rest]):  # the next sentence starts a cue of its own
                groups.append(cue)
                cue = []
    if cue:
        groups.append(cue)
    return groups


def _settle(cues: list[Cue], rules: CueRules) -> list[Cue]:
    """Hold each cue long enough to read, without running into the next; drop what lies before 0."""
    cues = sorted((c for c in cues if c.end > 0), key=lambda c: c.start)
    for i, cue in enumerate(cues):
        cue.start = max(0.0, cue.start)
        chars = len(cue.text.replace("\n", ""))
        wanted = cue.start + min(rules.max_duration, max(rules.min_duration, chars / rules.max_cps))
        limit = cues[i + 1].start - _GAP if i + 1 < len(cues) else float("inf")
        cue.end = max(cue.end, min(wanted, limit))
        if cue.start < limit < cue.end:  # speech runs on into the next cue: clip its last ~80 ms of tail
            cue.end = limit
    return cues


def cues_from_value(value: dict, rules: CueRules = CueRules()) -> list[Cue]:
    """Cues from a Subtitles value ({"cues": ...}) or straight from Voice timings ({"lines": ...})."""
    if "cues" in value:
        return [Cue(float(c["start"]), float(c["end"]), c["text"], c.get("speaker", "")) for c in value["cues"]]
    return cues_from_timings(value, rules)


# ---- SRT and WebVTT ----------------------------------------------------------------------------

def _stamp(seconds: float, separator: str) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}{separator}{ms % 1000:03d}"


def to_srt(cues: list[Cue]) -> str:
    return "".join(f"{i}\n{_stamp(c.start, ',')} --> {_stamp(c.end, ',')}\n{c.text}\n\n"
                   for i, c in enumerate(cues, 1))


def to_vtt(cues: list[Cue]) -> str:
    return "WEBVTT\n\n" + "".join(f"{_stamp(c.start, '.')} --> {_stamp(c.end, '.')}\n{c.text}\n\n" for c in cues)


def parse_srt(text: str) -> list[Cue]:
    """Cues of an SRT file (also reads WebVTT cue timings); blocks without a timing line are skipped."""
    cues = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        lines = block.split("\n")
        for k, line in enumerate(lines):
            match = _TIME.search(line)
            if match:
                h1, m1, s1, f1, h2, m2, s2, f2 = (int(g) for g in match.groups())
                cues.append(Cue(h1 * 3600 + m1 * 60 + s1 + f1 / 1000, h2 * 3600 + m2 * 60 + s2 + f2 / 1000,
                                "\n".join(lines[k + 1:])))
                break
    return cues


# ---- burn-in -----------------------------------------------------------------------------------

class SubtitleBurner:
    """Draws the cue on screen at each frame, bottom-centred inside the title-safe area."""

    def __init__(self, cues: list[Cue], fps, width: int, height: int, size_percent: float = 5.0,
                 style: str = "box", font_path: str = ""):
        if style not in STYLES:
            raise ValueError(f"unknown subtitle style {style!r}; use one of {', '.join(STYLES)}")
        self.cues = sorted(cues, key=lambda c: c.start)
        self.starts = [c.start for c in self.cues]
        self.fps, self.width, self.height = fps, width, height
        self.size_px = max(6, round(height * size_percent / 100))
        self.style, self.font_path = style, font_path
        self._layouts: dict[int, tuple] = {}

    def cue_at(self, index: int) -> int | None:
        t = float(index / self.fps)
        i = bisect_right(self.starts, t) - 1
        return i if i >= 0 and t < self.cues[i].end else None

    def _cue_layout(self, i: int) -> tuple:
        """(top row, coverage band, shadow band or None, box (x0, y0, x1, y1) within the band or None)."""
        if i not in self._layouts:
            self._layouts.clear()  # cues come in order: keep only the current one
            self._layouts[i] = self.layout(self.cues[i].text)
        return self._layouts[i]

    def layout(self, text: str) -> tuple:
        size, lines = self.size_px, text.count("\n") + 1
        safe_left, safe_right = self.width * (1 - SAFE_AREA) / 2, self.width * (1 + SAFE_AREA) / 2
        for _ in range(2):  # a line too wide for the safe area is drawn smaller, once
            band_h, pad = int(size * (1.4 * lines + 1.2)), max(2, size // 3)
            coverage = text_mask(text, self.width, band_h, size, "center", self.font_path)
            rows, cols = np.nonzero(coverage.any(axis=1))[0], np.nonzero(coverage.any(axis=0))[0]
            if len(cols) == 0 or (cols[0] - pad >= safe_left and cols[-1] + pad < safe_right):
                break
            size = max(6, int(size * (safe_right - safe_left) / (cols[-1] - cols[0] + 1 + 2 * pad) * 0.95))
        if len(rows) == 0:
            return None
        safe_bottom = int(self.height * (1 + SAFE_AREA) / 2)
        top = safe_bottom - pad - 1 - rows[-1]  # the band's row 0 on the frame: ink bottom sits pad above safe bottom
        box = None
        if self.style == "box":
            box = (max(0, cols[0] - pad), max(0, rows[0] - pad), min(self.width, cols[-1] + 1 + pad),
                   rows[-1] + 1 + pad)
        shadow = None
        if self.style == "shadow":
            shadow = np.minimum(1.0, shadow_mask(coverage, max(1, size // 12)) * 1.5)
        return top, coverage, shadow, box

    def over(self, frame: np.ndarray, index: int) -> np.ndarray:
        i = self.cue_at(index)
        layout = self._cue_layout(i) if i is not None else None
        if layout is None:
            return frame
        top, coverage, shadow, box = layout
        out = np.array(frame, dtype=np.float32, copy=True)
        y0, y1 = max(0, top), min(self.height, top + coverage.shape[0])
        band = out[y0:y1, :, :3]  # a view: writes land in `out`
        cov = coverage[y0 - top:y1 - top, :, None]
        if box is not None:
            x0, by0, x1, by1 = box
            # Linear x0.15 is about 60 % black in display terms: the picture shows faintly through.
            band[max(0, by0 + top - y0):max(0, by1 + top - y0), x0:x1] *= 0.15
        if shadow is not None:
            band *= 1.0 - shadow[y0 - top:y1 - top, :, None]
        band[...] = band * (1.0 - cov) + cov  # white ink: (1, 1, 1) is white in every working space
        return out
