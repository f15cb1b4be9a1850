"""An output that cannot be written where it points is said before the render starts, not by the
output node after the shots before it were made (an Export to a read-only disk, a folder that is a
file): `aiprod render` stops at once with one line, `aiprod validate` lists it as a problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from engine.executor import Executor
from engine.output_folder import unwritable_reason
from tests.film_project import save_film_project

# A folder that exists and takes no new files, whoever asks (root included): the kernel's own.
NO_NEW_FILES = Path("/proc")
needs_proc = pytest.mark.skipif(not NO_NEW_FILES.is_dir(), reason="needs Linux's /proc")


def test_a_writable_folder_passes_and_keeps_nothing_of_the_check(tmp_path):
    (tmp_path / "kept").write_text("x")
    assert unwritable_reason(tmp_path) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept"]  # the check's file is gone


def test_a_missing_folder_or_a_file_in_its_place_is_named_with_the_fix(tmp_path):
    assert unwritable_reason(tmp_path / "renders") == f"the folder {tmp_path / 'renders'} does not exist; create it first"
    (tmp_path / "renders").write_text("a file, not a folder")
    assert unwritable_reason(tmp_path / "renders") == f"{tmp_path / 'renders'} is a file, not a folder"


@needs_proc
def test_a_folder_that_takes_no_files_is_named_with_the_system_s_reason():
    reason = unwritable_reason(NO_NEW_FILES)
    assert reason.startswith(f"cannot write in {NO_NEW_FILES}: ") and reason.endswith("choose a folder you can write to")


def test_validate_names_a_missing_export_folder_and_an_image_sequence_s_own_folder_is_not_asked_for(tmp_path,
                                                                                                    capsys):
    project = save_film_project(tmp_path / "project", "renders/film.mp4", seconds=0.5)
    assert main(["validate", str(project)]) == 1
    assert (f"aiprod: problem: Export (export): the folder {tmp_path / 'project' / 'renders'} does not exist; "
            "create it first (its 'path' parameter)") in capsys.readouterr().err
    (tmp_path / "project" / "renders").mkdir()
    assert main(["validate", str(project)]) == 0
    frames = save_film_project(tmp_path / "frames", "renders/shot", seconds=0.5, fmt="png_sequence")
    (tmp_path / "frames" / "renders").mkdir()
    assert main(["validate", str(frames)]) == 0, capsys.readouterr().err  # renders/shot/ is the Export's to make


@needs_proc
def test_render_stops_before_running_anything_and_validate_lists_it(tmp_path, monkeypatch, capsys):
    project = save_film_project(tmp_path / "project", str(NO_NEW_FILES / "aiprod-film.mp4"), seconds=0.5)
    runs = []
    real_run = Executor.run
    monkeypatch.setattr(Executor, "run", lambda self, *a, **k: runs.append(a) or real_run(self, *a, **k))
    assert main(["render", "-q", "--no-cache", str(project)]) == 2
    err = capsys.readouterr().err
    assert runs == []  # not a shot made for a film that could not be written
    [line] = err.strip().splitlines()  # one line: the node, the folder, the system's reason, the fix
    assert line.startswith(f"aiprod: error: Export (export): cannot write in {NO_NEW_FILES}: ")
    assert line.endswith("; choose a folder you can write to (its 'path' parameter)")
    assert main(["validate", str(project)]) == 1
    assert f"aiprod: problem: Export (export): cannot write in {NO_NEW_FILES}" in capsys.readouterr().err
