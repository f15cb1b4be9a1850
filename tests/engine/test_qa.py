"""The QA checks flag what a viewer or a broadcaster would reject, and pass a clean film."""

from fractions import Fraction

import numpy as np
import pytest

from engine.audio.buffer import Audio
from engine.audio.loudness import normalise
from engine.media.clip import ArrayClip, FunctionClip, ClipInfo, StillClip, SubClip
from engine.media.sequence import Join, SequenceClip
from engine.qa.film import FilmPlan, check_clip, plan_from_clip
from engine.qa.report import Report, ShotSpan, read_report, report_path, table_rows, write_report
from engine.qa.sound import VoiceSpan

FPS = Fraction(24)
W, H = 64, 36


def moving(count: int, level: float = 0.3, seed: int = 0) -> FunctionClip:
    """A shot that moves: a textured picture sliding one pixel a frame, at a steady level."""
    texture = np.random.default_rng(seed).uniform(0.0, 2 * level, (H, W + count, 3)).astype(np.float32)
    return FunctionClip(ClipInfo(W, H, FPS, count), lambda i: np.ascontiguousarray(texture[:, i:i + W]))


def checks(report: Report) -> list[str]:
    return [f.check for f in report.findings]


def mix(seconds: float = 4.0, target: float = -23.0) -> Audio:
    """A tone with a little noise, normalised to `target` with a -1 dBTP ceiling, as the Mix delivers it."""
    t = np.arange(int(48000 * seconds)) / 48000
    rng = np.random.default_rng(1)
    wave = (0.3 * np.sin(2 * np.pi * 220 * t) + 0.05 * rng.standard_normal(t.size)).astype(np.float32)
    samples, _, _ = normalise(np.stack([wave, wave]), target)
    return Audio(samples.astype(np.float32))


def test_a_clean_film_passes_every_check():
    film = SequenceClip([moving(48, seed=1), moving(48, seed=2)], [Join("dissolve", 12)], fade_out=24)
    report = check_clip(film, mix(float(film.duration)))
    assert report.findings == [], table_rows(report)
    assert report.status == "passed"
    assert abs(report.measured["loudness_lufs"] - (-23.0)) < 0.2
    assert report.measured["true_peak_dbtp"] <= -1.0


def test_a_black_stretch_is_found_with_its_shot_and_time():
    frames = [moving(96).frame(i) for i in range(96)]
    for i in range(30, 70):  # 40 frames (1.67 s) of black in the middle of the shot
        frames[i] = np.zeros_like(frames[i])
    report = check_clip(ArrayClip(frames, FPS))
    [black] = [f for f in report.findings if f.check == "black"]
    assert (black.start, black.end) == pytest.approx((30 / 24, 70 / 24), abs=1e-3)
    assert black.start_tc == "00:00:01:06" and black.shot == "film"
    assert black.value == pytest.approx(40 / 24, abs=1e-3)
    assert "frozen" not in checks(report)  # black frames are identical, but they are reported as black


def test_black_the_edit_plans_is_not_a_fault():
    gap = StillClip(np.zeros((H, W, 3), np.float32), FPS, 48)  # a 2 s gap between two cuts
    film = SequenceClip([moving(48), gap, moving(48, seed=3)], [Join("cut", 0), Join("cut", 0)], fade_in=24)
    assert check_clip(film).findings == []


def test_a_frozen_stretch_in_a_moving_shot_is_found():
    shot = moving(96)
    frames = [shot.frame(min(i, 40) if i < 60 else i) for i in range(96)]  # stands still 40..59
    report = check_clip(ArrayClip(frames, FPS))
    [frozen] = [f for f in report.findings if f.check == "frozen"]
    assert (frozen.start, frozen.end) == pytest.approx((40 / 24, 60 / 24), abs=1e-3)
    held = ShotSpan("title", "t", 0, 96, moves=False)  # a held still or a title may stand still
    assert "frozen" not in checks(check_clip(ArrayClip(frames, FPS), plan=FilmPlan([held])))


def test_a_flicker_is_found_and_a_cut_is_not():
    base = moving(96)
    frames = [base.frame(i) * (1.6 if 50 <= i < 62 and i % 2 else 1.0) for i in range(96)]
    report = check_clip(ArrayClip(frames, FPS))
    [flicker] = [f for f in report.findings if f.check == "flicker"]
    assert 49 / 24 <= flicker.start <= 51 / 24 and 61 / 24 <= flicker.end <= 64 / 24
    assert flicker.value >= flicker.limit
    cut = SequenceClip([moving(48, 0.2), moving(48, 0.6, seed=4)], [Join("cut", 0)])  # one big step is a cut
    assert "flicker" not in checks(check_clip(cut))


def test_a_shot_shorter_than_its_scene_asks_is_found():
    film = SequenceClip([moving(48), moving(40, seed=5)], [Join("cut", 0)])
    plan = plan_from_clip(film)
    asked = [ShotSpan("Dawn", "dawn", s.start, s.end, 48, FPS, s.made_frames, s.made_fps) for s in plan.shots]
    report = check_clip(film, plan=FilmPlan(asked))
    [duration] = [f for f in report.findings if f.check == "duration"]
    assert (duration.shot, duration.shot_id) == ("Dawn", "dawn")
    assert (duration.value, duration.limit) == (pytest.approx(40 / 24, abs=1e-3), 2.0)
    assert duration.start == 2.0  # where the second shot starts


def test_a_trimmed_shot_is_judged_by_what_was_made():
    film = SequenceClip([SubClip(moving(48), 6, 36), moving(48, seed=6)], [Join("cut", 0)])
    assert [s.made_frames for s in plan_from_clip(film).shots] == [48, 48]


def test_a_clipped_mix_is_found_where_it_clips():
    audio = mix(4.0)
    samples = audio.samples.copy()
    burst = slice(48000 * 2, 48000 * 2 + 4800)  # 0.1 s driven into full scale at 2 s
    samples[:, burst] = np.clip(samples[:, burst] * 40, -1.0, 1.0)
    report = check_clip(moving(96), Audio(samples))
    found = {f.check: f for f in report.findings}
    assert "clipping" in found and "true peak" in found
    assert found["clipping"].start == pytest.approx(2.0, abs=1 / 24)
    assert found["clipping"].value > 100  # samples at full scale
    assert found["true peak"].value >= 0.0


def test_loudness_off_target_and_sound_shorter_than_the_picture_are_found():
    report = check_clip(moving(120), mix(4.0, target=-16.0))  # 4 s of sound under 5 s of picture
    found = {f.check: f for f in report.findings}
    assert found["loudness"].value == pytest.approx(-16.0, abs=0.3) and found["loudness"].limit == -23.0
    assert found["av length"].value == pytest.approx(-1.0, abs=1e-3)


def test_a_voice_placed_where_the_mix_is_silent_is_found():
    samples = mix(4.0).samples.copy()
    samples[:, 48000:96000] = 0.0
    plan = plan_from_clip(moving(96))
    plan.voices = [VoiceSpan("Narrator", "narrator", Fraction(1), Fraction(1)),
                   VoiceSpan("City", "city", Fraction(3), None)]
    report = check_clip(moving(96), Audio(samples), plan)
    [silent] = [f for f in report.findings if f.check == "silent dialogue"]
    assert silent.start == 1.0 and "Narrator" in silent.message


def test_nan_frames_are_found():
    frames = [moving(48).frame(i).copy() for i in range(48)]
    frames[10][5, 5, 1] = np.nan
    report = check_clip(ArrayClip(frames, FPS))
    [nan] = [f for f in report.findings if f.check == "nan"]
    assert (nan.start, nan.end) == pytest.approx((10 / 24, 11 / 24), abs=1e-3)


def test_overexposure_is_found():
    frames = [np.minimum(moving(48).frame(i) * 8.0, 4.0) for i in range(48)]
    assert "overexposed" in checks(check_clip(ArrayClip(frames, FPS)))


def test_the_report_round_trips_through_its_json_file(tmp_path):
    frames = [np.zeros((H, W, 3), np.float32)] * 48
    report = check_clip(ArrayClip(frames, FPS))
    path = report_path(tmp_path / "film.mp4")
    assert path.name == "film.qa.json" and report_path(tmp_path / "shot_%04d.exr").name == "shot.qa.json"
    assert write_report(report, path)
    again = read_report(path)
    assert again.findings == report.findings and again.status == "failed"
    mine = tmp_path / "notes.qa.json"
    mine.write_text("my own notes")
    assert not write_report(report, mine) and mine.read_text() == "my own notes"  # never replaces a user's file


def test_part_of_a_film_is_reported_in_the_films_own_time():
    from engine.qa.film import FilmCheck

    frames = [moving(96).frame(i) for i in range(96)]
    for i in range(30, 70):
        frames[i] = np.zeros_like(frames[i])
    film = ArrayClip(frames, FPS)
    check = FilmCheck(FPS, plan_from_clip(film), first=24, film_frames=96)  # an export of frames 24..95
    for pixels in film.frames(24):
        check.measure(pixels)
    report = check.report()
    [black] = report.findings
    assert (black.start, black.start_tc, report.first, report.frames) == (1.25, "00:00:01:06", 24, 72)
