"""Only what changed re-runs; entries are atomic, survive restarts, and stay within their size limit."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from engine.cache import CacheStoreError, DiskCache
from engine.commands import SetParam
from engine.executor import Executor
from engine.ports import IMAGE
from tests.engine.builders import add, diamond, link
from tests.engine.stub_nodes import project_root, ran, reset_calls


def render(graph, cache, targets=None, **kw):
    reset_calls()
    return Executor(cache).run(graph, targets, **kw)


def test_second_run_executes_no_node(graph, stack, cache):
    diamond(stack)
    first = render(graph, cache)
    assert len(first.ran) == 5
    second = render(graph, cache)
    assert ran() == [] and second.ran == []
    assert sorted(second.cached) == sorted(["src", "left", "right", "join", "island"])


def test_param_change_reruns_exactly_the_node_and_its_dependents(graph, stack, cache):
    diamond(stack)
    render(graph, cache)
    stack.push(SetParam("left", "offset", 5))
    report = render(graph, cache, load_outputs=True)
    assert sorted(ran()) == ["join", "left"]
    assert sorted(report.cached) == ["island", "right", "src"]
    assert report.outputs["join"]["value"] == (2 + 5) + (2 + 10)


def test_undo_of_the_change_is_served_from_cache(graph, stack, cache):
    diamond(stack)
    render(graph, cache)
    stack.push(SetParam("src", "value", 3))
    render(graph, cache)
    stack.undo()
    render(graph, cache)
    assert ran() == []


@pytest.mark.parametrize("raised", ["version", "revision"])
def test_a_new_version_or_revision_of_a_node_type_reruns_its_nodes_and_what_they_feed(graph, stack, cache, raised):
    """version: its saved parameters took a new form; revision: it computes other bits from the same ones."""
    import dataclasses

    from engine.commands import UndoStack
    from engine.graph import Graph
    from engine.ports import BUILTIN_PORT_TYPES
    from engine.registry import Registry
    from tests.engine.stub_nodes import BLOB, STUB_TYPES, Add

    class AddV2(Add):  # the type's code changed what it computes, so its version or revision went up
        schema = dataclasses.replace(Add.schema, **{raised: 2})

        def compute(self, ctx, inputs, params):
            return {"value": 100 * super().compute(ctx, inputs, params)["value"]}

    diamond(stack)
    render(graph, cache)
    upgraded = UndoStack(Graph(Registry([AddV2 if t is Add else t for t in STUB_TYPES],
                                        port_types=(*BUILTIN_PORT_TYPES, BLOB))))
    diamond(upgraded)  # the same nodes and parameters, made by the new release
    report = render(upgraded.graph, cache, ["join"], load_outputs=True)
    assert sorted(ran()) == ["join", "left", "right"] and report.cached == ["src"]
    assert report.outputs["join"]["value"] == 100 * (100 * (2 + 1) + 100 * (2 + 10))  # not the old cached value
    assert render(graph, cache).ran == []  # the old version's entries are still its own


# The cache keys of the stub diamond (`diamond` in builders.py), as every release since the key took
# its present form has made them. A type never revised must keep its keys from release to release, or
# an upgrade throws away every studio's cached shots; change these only on purpose, and say so.
DIAMOND_KEYS = sorted(["1afc2a554b88f32611b9fd05dbea4ddaada5f24b", "2c6e35d4447cd73936d02341886205c2c454639d",
                       "4d72a22cac6ce36a043fd2bc7499cd4070d5aa42", "55c2d1bffa764ea9bacfd6911452bc3586bcb44c",
                       "8be5f52244fbfebf98159410477a7d66b3144004"])


def test_an_upgrade_keeps_the_cache_keys_of_node_types_it_did_not_revise(graph, stack, cache):
    diamond(stack)
    render(graph, cache)
    assert sorted(cache.keys()) == DIAMOND_KEYS


def test_moving_or_renaming_a_node_reruns_nothing(graph, stack, cache):
    from engine.commands import MoveNode, RenameNode

    diamond(stack)
    render(graph, cache)
    stack.push(MoveNode("join", (500, 500)))
    stack.push(RenameNode("left", "Left branch"))
    render(graph, cache)
    assert ran() == []


def test_reordering_a_multi_link_input_reruns(graph, stack, cache):
    from engine.commands import Disconnect

    for node_id, value in (("x", 1), ("y", 2)):
        add(stack, "test.number", node_id, value=value)
    add(stack, "test.concat", "cat")
    link(stack, "x", "cat", "items")
    link(stack, "y", "cat", "items")
    assert render(graph, cache, load_outputs=True).outputs["cat"]["text"] == "1,2"
    stack.push(Disconnect(graph.links_into("cat")[0].id))
    link(stack, "x", "cat", "items")
    assert render(graph, cache, load_outputs=True).outputs["cat"]["text"] == "2,1"
    assert ran() == ["cat"]


def test_a_fully_cached_render_marks_its_entries_as_used(graph, stack, cache):
    diamond(stack)
    render(graph, cache)
    for key in cache.keys():
        cache.set_last_used(key, 1000)
    render(graph, cache)
    assert all(cache.last_used(key) > 1000 for key in cache.keys())


def test_seed_change_reruns(graph, stack, cache):
    add(stack, "test.seeded", "s", seed=1)
    first = render(graph, cache, load_outputs=True).outputs["s"]["value"]
    render(graph, cache)
    assert ran() == []
    stack.push(SetParam("s", "seed", 2))
    second = render(graph, cache, load_outputs=True).outputs["s"]["value"]
    assert ran() == ["s"] and second != first


def test_non_deterministic_node_reruns_with_its_dependents(graph, stack, cache):
    add(stack, "test.noisy", "n")
    add(stack, "test.add", "after")
    add(stack, "test.number", "steady")
    link(stack, "n", "after")
    render(graph, cache)
    render(graph, cache)
    assert sorted(ran()) == ["after", "n"]


def test_changed_input_file_reruns_the_reader(graph, stack, cache, tmp_path):
    source = tmp_path / "line.txt"
    source.write_text("hello")
    add(stack, "test.read_text", "r", path=str(source))
    assert render(graph, cache, load_outputs=True).outputs["r"]["text"] == "hello"
    render(graph, cache)
    assert ran() == []
    source.write_text("hello, world")
    assert render(graph, cache, load_outputs=True).outputs["r"]["text"] == "hello, world"
    assert ran() == ["r"]


def test_output_node_reruns_when_its_file_is_gone(graph, stack, cache, tmp_path):
    add(stack, "test.number", "a", value=7)
    add(stack, "test.write_text", "out", path=str(tmp_path / "o.txt"))
    link(stack, "a", "out", "value")
    render(graph, cache)
    render(graph, cache)
    assert ran() == []
    (tmp_path / "o.txt").unlink()
    render(graph, cache)
    assert ran() == ["out"]  # its input came from the cache
    assert (tmp_path / "o.txt").read_text() == "7"


def test_images_round_trip_exactly(graph, stack, cache):
    add(stack, "test.gradient", "g", width=33, gain=4.5)
    fresh = render(graph, cache, load_outputs=True).outputs["g"]["image"]
    cached = render(graph, cache, load_outputs=True).outputs["g"]["image"]
    assert ran() == []
    assert cached.pixels.dtype == np.float32 and np.array_equal(cached.pixels, fresh.pixels)
    assert cached.color_space == fresh.color_space


def test_value_without_codec_is_recomputed_when_needed(graph, stack, cache):
    add(stack, "test.tone", "tone")
    add(stack, "test.listen", "meter")
    link(stack, "tone", "meter", "audio", "audio")
    render(graph, cache)
    report = render(graph, cache)
    assert ran() == []  # the meter's Float output is cached, so the tone is not needed
    assert report.results["tone"].status == "skipped" and report.results["meter"].status == "cached"
    cache.clear()
    render(graph, cache)
    assert sorted(ran()) == ["meter", "tone"]


def test_corrupt_entry_is_a_miss_not_a_crash(graph, stack, cache):
    diamond(stack)
    render(graph, cache)
    for key in cache.keys():
        cache._query("UPDATE entries SET manifest = '{ not json' WHERE key = ?", (key,))
    report = render(graph, cache)
    assert report.status == "finished"
    # A corrupt manifest is only found when the value is read; the sinks read nothing.
    stack.push(SetParam("join", "offset", 1))
    report = render(graph, cache, load_outputs=True)
    assert report.status == "finished" and report.outputs["join"]["value"] == 3 + 12 + 1


def test_entries_survive_a_process_restart(tmp_path):
    script = textwrap.dedent("""
        import json, sys
        from engine.cache import CacheStoreError, DiskCache
        from engine.commands import UndoStack
        from engine.executor import Executor
        from engine.graph import Graph
        from tests.engine.builders import diamond
        from tests.engine.stub_nodes import stub_registry, ran
        graph = Graph(stub_registry())
        diamond(UndoStack(graph))
        report = Executor(DiskCache(sys.argv[1])).run(graph)
        print(json.dumps({"ran": sorted(ran()), "cached": sorted(report.cached)}))
    """)
    env = dict(os.environ, PYTHONPATH=str(project_root()))
    runs = [json.loads(subprocess.run([sys.executable, "-c", script, str(tmp_path / "c")], capture_output=True,
                                      text=True, check=True, env=env, cwd=project_root()).stdout)
            for _ in range(2)]
    assert len(runs[0]["ran"]) == 5 and runs[0]["cached"] == []
    assert runs[1]["ran"] == [] and len(runs[1]["cached"]) == 5


def test_store_is_atomic_when_encoding_fails(cache):
    class Exploding:
        def encode(self, value, folder, stem):
            (folder / "half.npy").write_bytes(b"partial")
            raise OSError("disk full")

        def decode(self, manifest, folder):
            raise AssertionError("never stored")

    from engine.ports import PortType

    exploding = PortType("Boom", "#000", "", codec=Exploding())
    with pytest.raises(CacheStoreError, match="could not write to the cache folder"):
        cache.store("k" * 40, {"x": 1}, {"x": exploding})
    assert cache.keys() == [] and list((cache.root / "tmp").iterdir()) == []


def what_a_second_reader_sees(root, key):
    """The cache as another process sharing the folder sees it: the entry, and any file published."""
    from engine.ports import ARRAY

    other = DiskCache(root)
    try:
        return {"has": other.has(key), "load": other.load(key, {"first": ARRAY, "second": ARRAY}),
                "files": sorted(p.name for p in (root / "entries").rglob("*") if p.is_file())}
    finally:
        other.close()


def peeking_array_type(cache, key, fail_half_way=False):
    """The array port type, whose codec looks at the cache from outside before it writes its file
    (the first output's file is written by then), and may fail there as a killed render would."""
    from engine.codecs import NumpyCodec
    from engine.ports import ARRAY, PortType

    class Peeking(NumpyCodec):
        seen, written = None, None

        def encode(self, value, folder, stem):
            Peeking.seen = what_a_second_reader_sees(cache.root, key)
            if fail_half_way:
                raise KeyboardInterrupt("stopped half-way through the entry")
            stored = super().encode(value, folder, stem)
            Peeking.written = (folder / stored["file"]).stat().st_ino
            return stored

    return Peeking, PortType(ARRAY.name, ARRAY.color, ARRAY.help, codec=Peeking())


def test_an_entry_being_written_is_invisible_and_is_published_whole(cache):
    from engine.ports import ARRAY

    key = "e" * 40
    codec, peeking = peeking_array_type(cache, key)
    cache.store(key, {"first": np.arange(4.0), "second": np.ones(3)}, {"first": ARRAY, "second": peeking})
    assert codec.seen == {"has": False, "load": None, "files": []}  # half an entry: nothing to see
    loaded = cache.load(key, {"first": ARRAY, "second": ARRAY})
    assert list(loaded["first"]) == [0, 1, 2, 3] and list(loaded["second"]) == [1, 1, 1]
    # Published by one rename of the folder it was written in: the very files the codec wrote, and
    # no copy left behind (a copy into place would be seen half-done by a reader).
    assert (cache._files(key) / "second.npy").stat().st_ino == codec.written
    assert list((cache.root / "tmp").iterdir()) == []


def test_a_store_stopped_half_way_leaves_nothing_readable_or_half_written(cache):
    from engine.ports import ARRAY

    key = "f" * 40
    codec, peeking = peeking_array_type(cache, key, fail_half_way=True)
    with pytest.raises(KeyboardInterrupt):
        cache.store(key, {"first": np.arange(4.0), "second": np.ones(3)}, {"first": ARRAY, "second": peeking})
    assert codec.seen == {"has": False, "load": None, "files": []}
    assert what_a_second_reader_sees(cache.root, key) == {"has": False, "load": None, "files": []}
    assert cache.keys() == [] and list((cache.root / "tmp").iterdir()) == []


def test_lru_eviction_keeps_the_recently_used(tmp_path):
    from engine.image import Image

    small = DiskCache(tmp_path / "c", max_bytes=3 * 41_000)
    image = Image(np.zeros((50, 50, 4), np.float32))  # 40 kB each
    ports = {"image": IMAGE}
    for i in range(3):
        small.store(f"{i:02d}" + "a" * 38, {"image": image}, ports)
        small.set_last_used(f"{i:02d}" + "a" * 38, 1000 + i)
    assert small.load("00" + "a" * 38, ports) is not None  # the oldest is used again...
    small.store("03" + "a" * 38, {"image": image}, ports)  # ...so the next oldest makes room
    keys = set(small.keys())
    assert "00" + "a" * 38 in keys and "01" + "a" * 38 not in keys
    assert small.size_bytes() <= small.max_bytes
    assert not small._files("01" + "a" * 38).exists()  # its files went with it
