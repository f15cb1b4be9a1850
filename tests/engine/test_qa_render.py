"""The QA at render time: every export writes its report beside the film, the CLI prints the findings,
a QA node writes its own and can fail the render."""

import json

from app.cli import main
from tests.film_project import save_film_project
from tests.qa_project import black_film_project


def test_an_export_writes_its_qa_report_and_a_clean_film_passes(tmp_path, capsys):
    project = save_film_project(tmp_path / "p", str(tmp_path / "film.mp4"), seconds=1.0)
    assert main(["render", str(project)]) == 0
    report = json.loads((tmp_path / "film.qa.json").read_text())
    assert report["status"] == "passed" and report["frames"] == 24 and report["findings"] == []
    assert "QA film.qa.json: passed" in capsys.readouterr().err


def test_a_black_export_is_reported_with_its_shot_in_the_file_and_the_summary(tmp_path, capsys):
    project = black_film_project(tmp_path)
    assert main(["render", str(project)]) == 0  # a finding warns; it fails nothing unless asked
    report = json.loads((tmp_path / "film.qa.json").read_text())
    [black] = report["findings"]
    assert (black["check"], black["shot"], black["shot_id"]) == ("black", "Night", "night")
    assert (black["start_tc"], black["end_tc"], black["value"]) == ("00:00:00:00", "00:00:02:00", 2.0)
    err = capsys.readouterr().err
    assert "1 QA finding (black)" in err and "Night (night)" in err and "00:00:00:00–00:00:02:00" in err
    assert main(["render", str(project), "--qa-strict", "--no-cache"]) == 1
    assert "fails its QA: 1 QA finding (black)" in capsys.readouterr().err
    assert (tmp_path / "film.mp4").exists()  # written first, so the fault can be seen


def test_a_qa_node_writes_its_report_and_can_fail_the_render(tmp_path, capsys):
    project = black_film_project(tmp_path, qa_node=True)
    assert main(["render", str(project), "--node", "qa"]) == 0
    assert json.loads((tmp_path / "checked.json").read_text())["findings"][0]["check"] == "black"
    strict = black_film_project(tmp_path / "strict", qa_node=True, fail_render=True)
    assert main(["render", str(strict), "--node", "qa"]) == 1
    assert "the film fails its QA: 1 QA finding (black)" in capsys.readouterr().err
    assert json.loads((tmp_path / "strict" / "checked.json").read_text())["status"] == "failed"


def test_qa_strict_fails_on_a_failing_export_served_from_the_cache_without_writing_it_again(tmp_path, capsys):
    project = black_film_project(tmp_path)
    assert main(["render", str(project), "-q"]) == 0  # a finding warns
    film = tmp_path / "film.mp4"
    written = film.stat().st_mtime_ns
    capsys.readouterr()
    assert main(["render", str(project), "-q", "--qa-strict"]) == 1  # the Export comes from the cache
    err = capsys.readouterr().err
    assert "unchanged since the render that wrote it) fails its QA: 1 QA finding (black)" in err
    assert "film.qa.json" in err and film.stat().st_mtime_ns == written
    clean = save_film_project(tmp_path / "clean", str(tmp_path / "clean.mp4"), seconds=1.0)
    assert main(["render", str(clean), "-q"]) == 0
    assert main(["render", str(clean), "-q", "--qa-strict"]) == 0  # cached and passing: nothing to say
