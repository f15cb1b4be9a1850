"""`aiprod render / validate / nodes` on the sample project, as a user runs them."""

import json

import numpy as np
import pytest
from PIL import Image as PILImage

from app.cli import main
from tests.engine.stub_nodes import project_root

SAMPLE_FILM = project_root() / "resources" / "examples" / "sample.aiprod"


@pytest.fixture
def sample(tmp_path):
    from tests.small_project import save_bars_project

    return save_bars_project(tmp_path)


def test_render_sample_writes_a_real_picture(sample, tmp_path, capsys):
    out = tmp_path / "frame.png"
    assert main(["render", str(sample), "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    picture = np.asarray(PILImage.open(out).convert("RGB"))
    assert picture.shape == (720, 1280, 3)
    assert tuple(picture[10, 10]) == (191, 191, 191)  # 75 % grey bar, exact after the linear round trip
    assert tuple(picture[10, 1270]) == (0, 0, 191)  # 75 % blue bar
    title_region = picture[500:650, 400:880]
    assert (title_region == 255).all(axis=2).sum() > 2000  # white title text over the bottom row


def test_a_render_keeps_the_objects_alive_before_it_out_of_the_collectors_passes(sample, tmp_path, monkeypatch):
    """The libraries' millions of objects are frozen while the render runs (a full collection walked them
    for ~150 ms, in whichever render thread allocated), and collectable again once main() returns."""
    import gc

    from engine.executor import Executor

    frozen_during_run = []
    real_run = Executor.run

    def run(self, *args, **kwargs):
        frozen_during_run.append(gc.get_freeze_count())
        return real_run(self, *args, **kwargs)

    monkeypatch.setattr(Executor, "run", run)
    gc.unfreeze()
    assert main(["render", str(sample), "-o", str(tmp_path / "frame.png"), "-q"]) == 0
    assert frozen_during_run and frozen_during_run[0] > 100_000
    assert gc.get_freeze_count() == 0


def test_the_command_exits_with_mains_code_and_everything_frozen_for_the_last_collection(monkeypatch):
    import gc

    import app.cli as cli

    monkeypatch.setattr(cli, "main", lambda: 3)
    gc.unfreeze()
    try:
        with pytest.raises(SystemExit) as exited:
            cli.run()
        assert exited.value.code == 3 and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_second_render_runs_nothing(sample, tmp_path, capsys):
    out = tmp_path / "frame.png"
    main(["render", str(sample), "-o", str(out)])
    capsys.readouterr()
    assert main(["render", str(sample), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "4 cached" in err and " ran" not in err.split("\n")[-2]


def test_render_uses_the_editors_preferred_cache(sample, tmp_path, capsys):
    """(The Preferences' model folders: tests/engine/test_cli_headless.py renders with a voice found there.)"""
    from app.preferences import Preferences

    preferred = tmp_path / "preferred-cache"
    Preferences(cache_folder=str(preferred)).save()
    assert main(["render", str(sample), "-o", str(tmp_path / "a.png")]) == 0
    assert any(preferred.rglob("*")), "the render did not use the cache folder set in Preferences"
    assert not (tmp_path / "user-cache").exists()  # AIPROD_CACHE_DIR is only the default
    capsys.readouterr()
    assert main(["render", str(sample), "-o", str(tmp_path / "a.png")]) == 0  # what the first render cached
    assert "4 cached" in capsys.readouterr().err
    elsewhere = tmp_path / "flag-cache"
    assert main(["render", str(sample), "-o", str(tmp_path / "b.png"), "--cache-dir", str(elsewhere)]) == 0
    assert any(elsewhere.rglob("*"))  # the flag beats the preference


def test_the_cache_folder_named_by_the_environment_is_the_one_cache_dir_names(sample, tmp_path, monkeypatch, capsys):
    """AIPROD_CACHE_DIR and --cache-dir name the same folder the same way: one folder, one cache."""
    from engine.cache import DiskCache

    folder = tmp_path / "farm-cache"
    monkeypatch.setenv("AIPROD_CACHE_DIR", str(folder))
    assert main(["render", str(sample), "-o", str(tmp_path / "a.png")]) == 0
    capsys.readouterr()
    assert main(["render", str(sample), "-o", str(tmp_path / "a.png"), "--cache-dir", str(folder)]) == 0
    assert "4 cached" in capsys.readouterr().err
    # A cache an earlier version kept in the folder's "nodes" subfolder is still the one used.
    earlier = tmp_path / "older-cache"
    DiskCache(earlier / "nodes")
    monkeypatch.setenv("AIPROD_CACHE_DIR", str(earlier))
    from app import settings

    assert settings.cache_dir() == earlier / "nodes"
    monkeypatch.setenv("AIPROD_CACHE_DIR", str(tmp_path / "new-cache"))
    assert settings.cache_dir() == tmp_path / "new-cache"


def test_a_damaged_preferences_file_is_one_warning_kept_aside_and_the_render_uses_the_defaults(sample, tmp_path,
                                                                                               capsys):
    from app.preferences import Preferences, preferences_path

    path = preferences_path()
    path.parent.mkdir(parents=True)
    path.write_text('{"cache_folder": "/somewhere", oops')
    assert main(["render", str(sample), "-o", str(tmp_path / "a.png")]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "preferences" in line]
    assert len(warnings) == 1 and str(path) in warnings[0] and "using the defaults" in warnings[0]
    assert "Traceback" not in warnings[0]
    (kept,) = path.parent.glob("preferences.json.bad-*")  # never lost: the user can mend it
    assert kept.read_text() == '{"cache_folder": "/somewhere", oops' and not path.exists()
    assert any((tmp_path / "user-cache").rglob("*"))  # the default cache (AIPROD_CACHE_DIR)
    Preferences(autosave_minutes=3.0).save()  # a new file is written where the bad one was
    assert Preferences.load().autosave_minutes == 3.0


def test_preferences_of_the_wrong_kind_fall_back_one_by_one(tmp_path):
    from app.preferences import Preferences, preferences_path

    path = preferences_path()
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"model_folders": "/one/folder", "cache_limit_gb": "lots", "autosave_minutes": 2,
                                "qa_fails_render": "yes"}))
    warnings = []
    prefs = Preferences.load(warnings)
    assert prefs == Preferences(autosave_minutes=2.0)
    assert len(warnings) == 3 and "model_folders" in warnings[0]
    assert any("cache_limit_gb" in w for w in warnings)
    assert any("qa_fails_render should be true or false, not 'yes'" in w for w in warnings)
    path.write_text("[1, 2]")
    assert Preferences.load(warnings) == Preferences() and "not an object" in warnings[-1]


def test_render_up_to_a_node(sample, capsys):
    assert main(["render", str(sample), "--node", "title"]) == 0
    err = capsys.readouterr().err
    assert "Title Card (title)" in err and "Save Image" not in err


def test_output_flag_needs_an_output_node(sample, tmp_path, capsys):
    assert main(["render", str(sample), "--node", "title", "-o", str(tmp_path / "x.png")]) == 2
    assert "-o needs an output node" in capsys.readouterr().err


def test_output_folder_is_created(sample, tmp_path):
    assert main(["render", str(sample), "-o", str(tmp_path / "new-folder" / "x.png")]) == 0
    assert (tmp_path / "new-folder" / "x.png").stat().st_size > 1000


def test_failed_node_gives_exit_code_1_and_its_message(sample, tmp_path, capsys):
    data = json.loads(sample.read_text())
    data["nodes"][-1]["params"]["path"] = "frame.gif"  # a folder that exists: the node itself fails
    sample.write_text(json.dumps(data))
    assert main(["render", str(sample)]) == 1
    err = capsys.readouterr().err
    assert "Save Image (save) failed" in err and "unsupported image extension '.gif'" in err


def test_render_of_a_broken_file_says_what_is_wrong(tmp_path, capsys):
    broken = tmp_path / "broken.aiprod"
    broken.write_text('{"schema_version": 1, "nodes": [')
    assert main(["render", str(broken)]) == 2
    assert "broken JSON" in capsys.readouterr().err
    assert main(["render", str(tmp_path / "absent.aiprod")]) == 2
    assert "no such project file" in capsys.readouterr().err


def test_validate(sample, tmp_path, capsys):
    assert main(["validate", str(sample)]) == 0
    assert "OK (4 nodes, 3 links)" in capsys.readouterr().out
    data = json.loads(sample.read_text())
    data["links"] = [l for l in data["links"] if l["to"]["node"] != "save"]
    data["nodes"][0]["params"]["resolution"] = "8K"
    sample.write_text(json.dumps(data))
    assert main(["validate", str(sample)]) == 1
    err = capsys.readouterr().err
    assert "input 'image' (Image) is not connected" in err and "resolution must be one of" in err


def test_nodes_lists_types_with_ports_and_params(capsys):
    assert main(["nodes"]) == 0
    text = capsys.readouterr().out
    assert "image.title_card" in text and "in   background: Image (optional)" in text
    assert main(["nodes", "--json"]) == 0
    listing = {t["type"]: t for t in json.loads(capsys.readouterr().out)}
    assert listing["output.save_image"]["outputs"] == [{"name": "file", "type": "File"}]


def test_sample_film_validates_and_its_stills_are_found(capsys):
    assert main(["validate", str(SAMPLE_FILM)]) == 0
    assert "OK" in capsys.readouterr().out


def test_the_sample_films_city_line_times_its_shot_and_plays_over_it():
    """Read from the file's links, not from make_sample.py's arithmetic: the last shot's length comes from
    a Voice line, and that line is placed in the mix where the shot starts in the Sequence plus its head."""
    data = json.loads(SAMPLE_FILM.read_text())
    nodes = {n["id"]: n for n in data["nodes"]}

    def feeding(node, port):
        return [(l["from"]["node"], l["from"]["port"]) for l in data["links"]
                if l["to"] == {"node": node, "port": port}]

    def shot_under(node):  # a title over a shot lasts as long as the shot
        while nodes[node]["type"] == "title.overlay" and feeding(node, "frames"):
            node = feeding(node, "frames")[0][0]
        return node

    cut = nodes["cut"]["params"]
    assert not cut.get("joins")  # no Joins rows: every join is the Sequence's own dissolve, as counted below
    *before, city = [shot_under(node) for node, _ in feeding("cut", "shots")]
    [(voice, port)] = feeding(city, "duration")
    assert nodes[voice]["type"] == "sound.voice" and port == "duration"
    starts_at = sum(nodes[shot]["params"]["duration"] for shot in before) - len(before) * cut["transition_seconds"]
    head = nodes[city]["params"]["head_handle"]
    placed = {feeding(place, "audio")[0][0]: nodes[place]["params"]["offset"]
              for place, _ in feeding("mix", "dialogue")}
    assert set(placed) == {"narrator", voice}  # both lines go to the dialogue bus, so both duck the beds
    assert placed[voice] == pytest.approx(starts_at + head)
    assert head >= cut["transition_seconds"]  # the line begins once the dissolve into the city is over
    assert nodes[city]["params"]["tail_handle"] >= cut["fade_out"]  # and ends before the fade to black
    assert nodes["mix"]["params"]["duck"]


def test_sample_film_renders_a_playable_film(tmp_path, capsys):
    """The README's main command, end to end (about a minute on two cores)."""
    import av

    out = tmp_path / "renders" / "sample.mp4"
    assert main(["render", str(SAMPLE_FILM), "-o", str(out), "-q"]) == 0
    with av.open(str(out)) as container:
        video = container.streams.video[0]
        assert (video.codec_context.name, video.width, video.height) == ("h264", 1280, 720)
        assert video.average_rate == 24
        # 18 s: 11 s of shots up to the city, whose shot is its ~4 s line plus 3 s of handles (17 s if the
        # line stopped timing it). The voice's take is seeded, so its length, and the film's, never vary.
        assert video.frames == 432, video.frames
        picture_seconds = video.frames / 24
        frames = [f.to_ndarray(format="rgb24") for i, f in enumerate(container.decode(video)) if i in (96, 300)]
    assert frames[0].mean() > 40 and frames[0].std() > 10  # the dawn shot: a real picture, not black
    with av.open(str(out)) as container:
        audio = container.streams.audio[0]
        assert audio.codec_context.name == "aac" and audio.layout.name == "stereo"
        assert abs(float(audio.duration * audio.time_base) - picture_seconds) < 1 / 24  # A/V within one frame
        import numpy as np
        import pyloudnorm

        pcm = np.concatenate([f.to_ndarray() for f in container.decode(audio)], axis=1)
    loudness = pyloudnorm.Meter(48000, filter_class="DeMan").integrated_loudness(pcm.T.astype(np.float64))
    assert abs(loudness - (-23.0)) < 0.5  # the mix's EBU R128 target survives AAC
    # The export's automatic QA, on the same render: the sample passes every check, its shots named.
    qa = json.loads((out.parent / "sample.qa.json").read_text())
    assert qa["status"] == "passed" and qa["findings"] == [] and qa["frames"] == 432, qa["findings"]
    assert {"black", "frozen", "flicker", "duration", "loudness", "true peak", "clipping"} <= set(qa["checked"])
    assert abs(qa["measured"]["loudness_lufs"] - (-23.0)) < 0.1 and qa["measured"]["true_peak_dbtp"] <= -1.0
    assert qa["measured"]["sound_seconds"] == 18.0
