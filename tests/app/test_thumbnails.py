"""Each node with a picture output shows a thumbnail of its last result, loaded off the GUI thread."""

from __future__ import annotations

from tests.app.conftest import wait_render


def _colours(image) -> set[int]:
    return {image.pixel(x, y) for x in range(0, image.width(), 4) for y in range(0, image.height(), 4)}


def test_rendering_gives_picture_nodes_a_thumbnail_and_an_edit_clears_it(window, qtbot, sample_path):
    assert window.open_project(sample_path)
    title = window.scene.nodes["title"]
    height_before = title.height
    window.render_all()
    wait_render(qtbot, window)
    qtbot.waitUntil(lambda: title.thumbnail is not None and window.scene.nodes["bars"].thumbnail is not None,
                    timeout=15_000)
    assert title.thumbnail.width() == 96 and title.height > height_before
    assert len(_colours(title.thumbnail)) > 1  # a real picture, not a flat fill
    assert window.scene.nodes["title_text"].thumbnail is None  # text: nothing to picture
    window.actions_.set_param("title", "size", 12.0)
    assert title.thumbnail is None and title.height == height_before
    assert window.scene.nodes["bars"].thumbnail is not None  # upstream of the edit: still valid


def test_a_result_missing_from_the_cache_is_not_recomputed_for_a_thumbnail(window, sample_path):
    from engine.executor import Executor

    from app.ui.thumbnails import load_thumbnail

    assert window.open_project(sample_path)
    started = []
    executor = Executor(None, project_dir=sample_path.parent)  # no cache: everything would have to run
    executor.events.connect(lambda event: started.append(type(event).__name__))
    assert load_thumbnail(executor, window.document.graph, "title", "image") is None
    assert "RunPlanned" in started
    assert started.count("NodeStarted") == 0  # told by the plan: not even the cheap nodes upstream ran


def test_thumbnail_sizes_landscape_portrait_and_non_pictures():
    import numpy as np

    from app.ui.thumbnails import thumbnail_image
    from engine.image import Image

    wide = thumbnail_image(Image(np.random.default_rng(1).random((720, 1280, 4), np.float32)))
    assert (wide.width(), wide.height()) == (96, 54)
    tall = thumbnail_image(Image(np.zeros((1920, 1080, 3), np.float32)))
    assert tall.height() == 96 and tall.width() < 96
    assert thumbnail_image("some text") is None


def test_a_clip_that_fades_in_from_black_is_pictured_by_its_middle_frame():
    from fractions import Fraction

    import numpy as np

    from app.ui.thumbnails import thumbnail_image
    from engine.media.clip import ClipInfo, FunctionClip

    fade_in = FunctionClip(ClipInfo(64, 36, Fraction(24), 25), lambda i: np.full((36, 64, 3), i / 24, np.float32))
    colour = thumbnail_image(fade_in).pixelColor(10, 10)
    assert 150 < colour.red() < 210  # half way up the fade (0.5 linear is ~188 in sRGB), not frame 0's black


def test_a_cheap_uncached_node_gets_its_thumbnail_by_running_again(window, qtbot):
    """A grade is not cached (it costs less than storing it), so its thumbnail re-runs the grade
    over the cached bars, and nothing costly runs."""
    from engine import events as ev
    from engine.executor import Executor

    from app.ui.thumbnails import load_thumbnail

    actions = window.actions_
    bars = actions.add_node("image.color_bars", (0, 0))
    actions.set_param(bars, "resolution", "640x360")
    grade = actions.add_node("color.grade_image", (300, 0))
    actions.set_param(grade, "saturation", 0.0)
    actions.connect_ports(bars, "image", grade, "image")
    window.render_all()
    wait_render(qtbot, window)
    qtbot.waitUntil(lambda: window.scene.nodes[grade].thumbnail is not None, timeout=15_000)
    thumb = window.scene.nodes[grade].thumbnail
    colour = thumb.pixelColor(thumb.width() // 2, thumb.height() // 3)
    assert colour.red() == colour.green() == colour.blue()  # the grade's picture (grey), not the bars'
    started = []
    executor = Executor(window.renderer.cache(), project_dir=None)
    executor.events.connect(lambda e: started.append((e.node_id, e.stores)) if isinstance(e, ev.NodeStarted) else None)
    assert load_thumbnail(executor, window.document.graph, grade, "image") is not None
    assert started == [(grade, False)]  # the bars came from the cache


def test_a_render_starting_stops_thumbnail_loads_and_its_end_restarts_them(stub_window, qtbot, monkeypatch):
    """Loads share the editor's interpreter lock with the GUI: none may run beside a render."""
    import time

    from app.ui import thumbnails

    window, seen = stub_window, []
    real_load = thumbnails.load_thumbnail

    def slow_load(executor, graph, node_id, port, cancel):  # a load long enough to be caught in flight
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline and not cancel.cancelled:
            time.sleep(0.01)
        seen.append("cancelled" if cancel.cancelled else "loaded")
        return real_load(executor, graph, node_id, port, cancel)

    monkeypatch.setattr(thumbnails, "load_thumbnail", slow_load)
    gradient = window.actions_.add_node("test.gradient", (0, 0))
    slow = window.actions_.add_node("test.slow", (0, 200))
    window.actions_.set_param(slow, "steps", 2000)
    window.renderer.run_to(gradient)
    wait_render(qtbot, window)  # its end asks for the gradient's thumbnail: the load starts
    window.render_all()  # and this render stops it
    qtbot.waitUntil(lambda: window.renderer.status(slow).state == "running", timeout=15_000)
    qtbot.waitUntil(lambda: seen == ["cancelled"], timeout=5000)
    qtbot.wait(700)  # longer than a load: none has started again during the render
    assert seen == ["cancelled"] and window.scene.nodes[gradient].thumbnail is None
    window.renderer.cancel()
    wait_render(qtbot, window)
    qtbot.waitUntil(lambda: window.scene.nodes[gradient].thumbnail is not None, timeout=5000)
    assert seen == ["cancelled", "loaded"]


def test_the_sample_films_nodes_do_not_overlap_once_they_have_thumbnails(window):
    """Each picture node grows by a 16:9 thumbnail after a render; the sample is laid out for that."""
    from PySide6.QtGui import QImage

    from app.ui.thumbnails import THUMB_WIDTH, picture_port
    from tests.app.conftest import ROOT

    window.exec_dialog = lambda dialog: None  # its stills are found; no missing-media list expected
    assert window.open_project(ROOT / "resources" / "examples" / "sample.aiprod")
    graph, items = window.document.graph, window.scene.nodes
    grown = [n for n in items if picture_port(graph.schema_of(n))]
    assert len(grown) >= 10
    for node_id in grown:
        items[node_id].set_thumbnail(QImage(THUMB_WIDTH, THUMB_WIDTH * 9 // 16, QImage.Format_RGB32))
    rects = {n: item.sceneBoundingRect() for n, item in items.items()}
    overlaps = [(a, b) for a in rects for b in rects if a < b and rects[a].intersects(rects[b])]
    assert not overlaps, f"nodes drawn over each other in the sample: {overlaps}"


def test_a_reopened_project_shows_what_its_cache_holds_and_a_render_first_makes_that_unneeded(
        window, qtbot, sample_path, monkeypatch):
    """Reopened tomorrow, the film looks as it did: the pictures come back from the cache without a
    render. Asked for a moment after opening (the warm-up and the first preview go first), not at all
    when a render is running by then (its end asks), and once for projects opened in quick succession."""
    from app.ui import thumbnails

    monkeypatch.setattr(thumbnails, "OPEN_DELAY_MS", 100)
    assert window.open_project(sample_path)
    window.render_all()
    wait_render(qtbot, window)
    qtbot.waitUntil(lambda: window.scene.nodes["title"].thumbnail is not None, timeout=15_000)
    rendered = _colours(window.scene.nodes["title"].thumbnail)
    assert window.open_project(sample_path)  # the same project again: new node items, no render
    title, bars = window.scene.nodes["title"], window.scene.nodes["bars"]
    assert title.thumbnail is None and window.renderer.status("title").state == "idle"
    qtbot.waitUntil(lambda: title.thumbnail is not None and bars.thumbnail is not None, timeout=15_000)
    assert _colours(title.thumbnail) == rendered  # the same picture as before it was closed
    assert window.scene.nodes["title_text"].thumbnail is None  # text: nothing to picture

    asked = []
    monkeypatch.setattr(window.scene.thumbnails, "request", lambda node_id, graph_copy=None: asked.append(node_id))
    running = [True]
    monkeypatch.setattr(type(window.renderer), "is_running", property(lambda self: running[0]))
    assert window.open_project(sample_path)
    qtbot.wait(300)  # the delay is up while a render runs: its end will ask, so the opening does not
    assert asked == []
    running[0] = False
    assert window.open_project(sample_path)
    assert window.open_project(sample_path)  # opened twice in a row: asked for once, for the last
    qtbot.waitUntil(lambda: "title" in asked, timeout=5_000)
    qtbot.wait(300)
    assert sorted(asked) == sorted(set(asked)) and {"title", "bars"} <= set(asked)


def test_a_window_closed_just_after_opening_a_project_asks_for_nothing_later(window, qtbot, sample_path, monkeypatch):
    """The ask after opening is delayed; a loader shut down meanwhile (the window closed) has no pool to
    give the loads to, and must not try."""
    from app.ui import thumbnails

    monkeypatch.setattr(thumbnails, "OPEN_DELAY_MS", 50)
    assert window.open_project(sample_path)
    loader = window.scene.thumbnails
    loader.shutdown()
    qtbot.wait(200)  # the delayed ask fires here: an exception in it fails the test
    assert not loader.pending


def test_the_ask_after_opening_waits_for_the_editors_warm_up_imports(window, qtbot, sample_path, monkeypatch):
    """Loads import torch where they read a cached clip; beside the warm-up thread importing it, one of
    the two met a half-initialised torch ("partially initialized module 'torch'")."""
    from app.ui import thumbnails
    from engine import render_process

    monkeypatch.setattr(thumbnails, "OPEN_DELAY_MS", 100)
    asked = []
    monkeypatch.setattr(window.scene.thumbnails, "request", lambda node_id, graph_copy=None: asked.append(node_id))
    render_process.WARMING_IMPORTS.set()
    try:
        assert window.open_project(sample_path)
        qtbot.wait(400)
        assert asked == []  # still warming up: nothing asked
    finally:
        render_process.WARMING_IMPORTS.clear()
    qtbot.waitUntil(lambda: "title" in asked, timeout=2_000)  # asked once the warm-up is over
