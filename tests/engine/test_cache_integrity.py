"""The cache cannot lie: damaged entries are found when read and made again, a broken index is
rebuilt, two writers of one key never mix, and a full or read-only disk is said plainly."""

import errno
import json
import multiprocessing
import os

import numpy as np
import pytest

from engine import events as ev
from engine.cache import CacheStoreError, DiskCache
from engine.cache_files import CacheEntryCorrupt
from engine.errors import NodeExecutionError
from engine.executor import Executor
from engine.ports import ARRAY, BUILTIN_PORT_TYPES, FLOAT, FRAMES, IMAGE
from engine.registry import Registry
from engine.schema import NodeSchema, Port
from tests.engine.builders import add, link
from tests.engine.stub_nodes import BLOB, STUB_TYPES, Recording, ran, reset_calls


class WrappingMean(Recording):
    """Reads its frames the way an encoder does: any read error comes out wrapped in its own."""

    schema = NodeSchema("test.wrapping_mean", "Wrapping Mean", "Test", inputs=(Port("frames", FRAMES),),
                        outputs=(Port("value", FLOAT),))

    def compute(self, ctx, inputs, params):
        try:
            return {"value": float(np.mean([f.mean() for f in inputs["frames"].frames()]))}
        except Exception as exc:
            raise NodeExecutionError(f"could not encode the shot: {exc}") from exc


@pytest.fixture
def registry():
    reset_calls()
    return Registry((*STUB_TYPES, WrappingMean), port_types=(*BUILTIN_PORT_TYPES, BLOB))


def shot_and_mean(stack):
    add(stack, "test.ramp_clip", "shot", frames=12, width=16)
    add(stack, "test.clip_mean", "mean")
    link(stack, "shot", "mean", "frames", "frames")


def render(graph, cache, targets=None):
    reset_calls()
    seen = []
    executor = Executor(cache)
    executor.events.connect(seen.append)
    report = executor.run(graph, targets, load_outputs=True)
    return report, seen


def frame_file(cache, key, index):
    manifest = json.loads(cache._query("SELECT manifest FROM entries WHERE key = ?", (key,))[0][0])
    return cache._files(key) / manifest["outputs"]["frames"]["frames"][index]


def shot_key(cache):
    return next(k for k in cache.keys() if cache._files(k).is_dir())


def read_shot_again(graph, stack, cache, consumer="test.clip_mean"):
    """A reader of the shot that must pull its frames from the cache: a new node, or the mean whose
    own (inline) entry is dropped."""
    if consumer == "test.clip_mean":
        for key in cache.keys():
            if not cache._files(key).is_dir():
                cache.discard(key)
        return "mean"
    add(stack, consumer, "second")
    link(stack, "shot", "second", "frames", "frames")
    return "second"


def warnings_for(seen, node_id):
    return [e.message for e in seen if isinstance(e, ev.NodeWarning) and e.node_id == node_id]


@pytest.mark.parametrize("consumer", ["test.clip_mean", "test.wrapping_mean"])
def test_a_flipped_byte_in_a_cached_frame_is_found_and_the_shot_made_again(graph, stack, cache, consumer):
    shot_and_mean(stack)
    clean, _ = render(graph, cache)
    frame = frame_file(cache, shot_key(cache), 7)
    data = bytearray(frame.read_bytes())
    data[-100] ^= 0x40  # one bit of one pixel: nothing but the hash can see it
    frame.write_bytes(bytes(data))
    reader = read_shot_again(graph, stack, cache, consumer)
    report, seen = render(graph, cache, [reader])
    assert report.status == "finished"
    assert ran().count("shot") == 1 and ran().count(reader) == 2  # the reader met the damage, the shot was re-made, the reader ran again
    assert report.outputs[reader]["value"] == clean.outputs["mean"]["value"]
    assert any("damaged" in w and "does not hold the bytes" in w for w in warnings_for(seen, "shot"))
    reset_calls()
    assert render(graph, cache, ["shot"])[0].cached == ["shot"] and ran() == []  # stored again, whole


def test_a_truncated_cached_frame_is_found_before_its_reader_starts(graph, stack, cache):
    shot_and_mean(stack)
    clean, _ = render(graph, cache)
    frame = frame_file(cache, shot_key(cache), 3)
    frame.write_bytes(frame.read_bytes()[:200])
    report, seen = render(graph, cache, [read_shot_again(graph, stack, cache)])
    assert report.status == "finished" and sorted(ran()) == ["mean", "shot"]
    assert report.outputs["mean"]["value"] == clean.outputs["mean"]["value"]
    assert any("bytes" in w and "were stored" in w for w in warnings_for(seen, "shot"))


def test_a_lost_cached_file_of_a_small_value_is_made_again(graph, stack, cache):
    add(stack, "test.gradient", "grad")
    add(stack, "test.half", "half")
    clean, _ = render(graph, cache, ["grad"])
    key = next(iter(cache.keys()))
    npy = next(cache._files(key).glob("*.npy"))
    npy.write_bytes(npy.read_bytes()[:-8] + b"\0" * 8)
    report, seen = render(graph, cache, ["grad"])
    assert report.status == "finished" and ran() == ["grad"]
    assert np.array_equal(report.outputs["grad"]["image"].pixels, clean.outputs["grad"]["image"].pixels)
    assert warnings_for(seen, "grad")


def test_damage_found_twice_in_one_render_fails_with_a_plain_message(graph, stack, cache, monkeypatch):
    from engine.media import frames_codec

    shot_and_mean(stack)
    render(graph, cache)
    original = frames_codec.FrameFolderClip.frame

    def always_damaged(self, index):  # a failing disk: every read is bad, even of a new entry
        raise self._files.damaged("read error")

    monkeypatch.setattr(frames_codec.FrameFolderClip, "frame", always_damaged)
    report, _ = render(graph, cache, [read_shot_again(graph, stack, cache)])
    monkeypatch.setattr(frames_codec.FrameFolderClip, "frame", original)
    assert report.status == "failed"
    message = report.results["mean"].message
    assert "damaged again" in message and "may be failing" in message and str(cache.root) in message


def test_an_unreadable_index_is_rebuilt_from_the_entries(graph, stack, tmp_path):
    root = tmp_path / "cache"
    shot_and_mean(stack)
    render(graph, DiskCache(root))
    for name in ("index.sqlite-wal", "index.sqlite-shm"):
        (root / name).unlink(missing_ok=True)
    (root / "index.sqlite").write_bytes(os.urandom(64 * 1024))
    cache = DiskCache(root)
    assert cache.notices and "rebuilt from 1 entries" in cache.notices[0]
    report, seen = render(graph, cache)
    assert report.status == "finished"
    assert ran() == ["mean"]  # the shot's frames were found again; only the inline number was lost
    assert any(isinstance(e, ev.RunWarning) and "could not be read" in e.message for e in seen)


def test_an_index_damaged_while_open_is_rebuilt(graph, stack, tmp_path):
    root = tmp_path / "cache"
    cache = DiskCache(root)
    shot_and_mean(stack)
    render(graph, cache)
    cache._db.close()
    (root / "index.sqlite").write_bytes(b"garbage" * 1000)
    cache._db = __import__("sqlite3").connect(root / "index.sqlite", check_same_thread=False, isolation_level=None)
    assert len(cache.keys()) == 1  # the query failed, the index was rebuilt, the query ran again
    assert cache.notices


def _store_many(root, writer, keys, barrier):
    cache = DiskCache(root)
    ports = {"image": IMAGE, "array": ARRAY}
    from engine.image import Image

    value = {"image": Image(np.full((64, 64, 3), writer, np.float32)),
             "array": np.full(50_000, writer, np.float32)}
    failures = []
    for key in keys:
        barrier.wait()
        try:
            cache.store(key, value, ports)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            failures.append(f"{type(exc).__name__}: {exc}")
    return failures


def test_concurrent_stores_of_one_key_never_mix(tmp_path):
    root = tmp_path / "cache"
    DiskCache(root)
    keys = [f"{i:040x}" for i in range(40)]
    context = multiprocessing.get_context("spawn")
    barrier = context.Manager().Barrier(2)
    with context.Pool(2) as pool:
        results = [pool.apply_async(_store_many, (root, writer, keys, barrier)) for writer in (1, 2)]
        failures = [r.get(120) for r in results]
    assert failures == [[], []]
    cache = DiskCache(root)
    ports = {"image": IMAGE, "array": ARRAY}
    for key in keys:
        loaded = cache.load(key, ports)  # verified: a mix of the two writers' files would not pass
        writers = {float(loaded["image"].pixels[0, 0, 0]), float(loaded["array"][0])}
        assert len(writers) == 1, f"entry {key} mixes writers {writers}"
    assert list((root / "tmp").iterdir()) == []


def _failing_codec(error):
    class Failing:
        def encode(self, value, folder, stem):
            (folder / "part.npy").write_bytes(b"x" * 100)
            raise OSError(error, os.strerror(error))

        def decode(self, manifest, files):
            raise AssertionError("never stored")

    from engine.ports import PortType

    return PortType("Boom", "#000", "", codec=Failing())


@pytest.mark.parametrize("error, words", [(errno.ENOSPC, "the cache disk is full"),
                                          (errno.EROFS, "cannot be written to")])
def test_a_full_or_read_only_cache_disk_is_said_plainly(cache, error, words):
    with pytest.raises(CacheStoreError, match=words) as raised:
        cache.store("k" * 40, {"x": 1}, {"x": _failing_codec(error)})
    assert str(cache.root) in str(raised.value) and "cache folder" in str(raised.value)
    assert cache.keys() == [] and list((cache.root / "tmp").iterdir()) == []


def test_a_render_goes_on_when_an_output_cannot_be_cached_and_names_the_node(graph, stack, cache, monkeypatch):
    shot_and_mean(stack)

    def disk_full(*args, **kwargs):
        raise CacheStoreError(f"the cache disk is full (0 MB free in {cache.root}); free some space")

    monkeypatch.setattr(cache, "store", disk_full)
    report, seen = render(graph, cache)
    assert report.status == "finished" and report.outputs["mean"]["value"] == pytest.approx(0.055, abs=1e-3)
    assert any("not cached" in w and "disk is full" in w for w in warnings_for(seen, "shot"))


def test_entries_of_the_previous_format_are_a_miss(graph, stack, cache):
    shot_and_mean(stack)
    render(graph, cache)
    for key in cache.keys():
        cache._query("UPDATE entries SET manifest = json_set(manifest, '$.format', 1) WHERE key = ?", (key,))
    report, _ = render(graph, cache, ["mean"])
    assert report.status == "finished" and sorted(ran()) == ["mean", "shot"]


def test_a_reader_never_gets_unchecked_bytes(cache):
    from engine.image import Image

    cache.store("a" * 40, {"image": Image(np.ones((4, 4, 3), np.float32))}, {"image": IMAGE})
    npy = next(cache._files("a" * 40).glob("*.npy"))
    npy.write_bytes(npy.read_bytes().replace(b"\x00\x00\x80\x3f", b"\x00\x00\x00\x40", 1))
    with pytest.raises(CacheEntryCorrupt, match="does not hold the bytes"):
        cache.load("a" * 40, {"image": IMAGE})
    assert cache.keys() == [] and not cache._files("a" * 40).exists()  # dropped at once


_SLOW_STORE = """
import sys, time
import numpy as np
from engine.cache import DiskCache
from engine.media.clip import ClipInfo, FunctionClip
from engine.ports import FRAMES

def frame(i):
    time.sleep(0.05)
    return np.full((64, 64, 3), i, np.float32)

DiskCache(sys.argv[1]).store("c" * 40, {"frames": FunctionClip(ClipInfo(64, 64, 24, 100000), frame)}, {"frames": FRAMES})
"""


def test_a_store_killed_midway_leaves_nothing_once_the_cache_is_used_again(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from tests.engine.stub_nodes import project_root

    root = tmp_path / "cache"
    env = dict(os.environ, PYTHONPATH=str(project_root()))
    writer = subprocess.Popen([sys.executable, "-c", _SLOW_STORE, str(root)], env=env, cwd=project_root())
    try:
        deadline = time.monotonic() + 60
        while not any((root / "tmp").glob("aiprod-*/*.npy")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any((root / "tmp").glob("aiprod-*/*.npy")), "the writer never started storing"
        live = DiskCache(root)  # opened beside a live writer: its temporary must stay
        assert any((root / "tmp").iterdir()) and live.keys() == []
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(10)
    cache = DiskCache(root)  # the next user of the cache sweeps what the dead writer left
    assert list((root / "tmp").iterdir()) == [] and cache.keys() == []
    assert not any((root / "entries").rglob("*.npy"))
