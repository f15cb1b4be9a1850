"""A render killed with SIGKILL while exporting leaves temporaries; the next render removes them.

Each test runs `aiprod render` in a subprocess, kills it as soon as its temporary appears beside the
target, renders again, and checks that nothing but the finished output is left there.
"""

import os
import signal
import subprocess
import sys
import time

import av
import pytest

from tests.engine.stub_nodes import project_root
from tests.film_project import save_film_project

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is a POSIX signal")


def render(project, *extra):
    return [sys.executable, "-m", "app.cli", "render", "-q", "--no-cache", str(project), *extra]


def kill_when(project, appeared, timeout=120.0):
    """Start a render of `project` and SIGKILL it once `appeared()` is true; what appeared is returned."""
    env = {**os.environ, "PYTHONPATH": str(project_root())}
    child = subprocess.Popen(render(project), cwd=project_root(), env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    try:
        while not (found := appeared()):
            assert child.poll() is None, f"the render ended before writing: {child.stderr.read().decode()}"
            assert time.monotonic() < deadline, "no temporary appeared beside the target"
            time.sleep(0.005)
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    return found


def test_a_render_killed_during_export_leaves_nothing_after_the_next(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    project = save_film_project(tmp_path / "project", str(out / "film.mp4"), seconds=4.0,
                                resolution="1280x720")
    left = kill_when(project, lambda: [p for p in out.iterdir() if ".part" in p.name])
    assert all(p.exists() for p in left)  # the killed render could not clean up
    result = subprocess.run(render(project), cwd=project_root(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["film.mp4", "film.qa.json"]
    with av.open(str(out / "film.mp4")) as container:
        frames = list(container.decode(video=0))
    assert len(frames) == 96 and (frames[0].width, frames[0].height) == (1280, 720)


def test_a_sequence_render_killed_while_staging_leaves_nothing_after_the_next(tmp_path):
    frames = tmp_path / "out" / "frames"
    frames.parent.mkdir()
    project = save_film_project(tmp_path / "project", str(frames), seconds=2.0, fmt="png_sequence",
                                resolution="1280x720")

    def staged_frames():  # a staging folder beside the target with a frame in it
        return [p for p in frames.parent.glob(".frames.aiprod-*.part") if any(p.iterdir())]

    kill_when(project, staged_frames)
    assert not frames.exists()
    result = subprocess.run(render(project), cwd=project_root(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in frames.parent.iterdir()) == ["frames"]
    assert len(list(frames.glob("frame_*.png"))) == 48


def dead_writers_temporary(beside):
    """A temporary named as one a render that has since died was writing beside `beside`."""
    gone = subprocess.Popen([sys.executable, "-c", ""])
    gone.wait()
    path = beside.with_name(f".{beside.stem}.aiprod-{gone.pid}-1-0123456789ab.part{beside.suffix}")
    path.write_bytes(b"half a file")
    return path


def test_a_render_whose_output_comes_from_the_cache_still_sweeps_beside_it(tmp_path, capsys):
    from app.cli import main
    from tests.small_project import save_bars_project

    (tmp_path / "project").mkdir()
    project = save_bars_project(tmp_path / "project")
    assert main(["render", "-q", str(project)]) == 0
    left = dead_writers_temporary(project.parent / "sample.png")
    live = project.parent / f".sample.aiprod-{os.getpid()}-0-0123456789ab.part.png"  # a writer still running
    live.write_bytes(b"being written")
    assert main(["render", str(project)]) == 0
    assert "4 cached" in capsys.readouterr().err
    assert not left.exists() and live.exists()
