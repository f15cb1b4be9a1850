"""A render reaches no network: no IPv4 or IPv6 socket connects or sends, from Python code or from a
library's native code (onnxruntime's telemetry uploader, which Piper would start), no model is looked
up on a hub, and no telemetry files are left.

The render runs in a child process whose sockets refuse to connect, send or bind beyond loopback,
and whose `getaddrinfo` refuses every lookup, reporting each attempt. Native code does not go
through Python's socket module, so where `strace` can run the child is also traced for socket and
connect system calls.
"""

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from engine.offline import SWITCHES
from engine.ports import FILE
from engine.schema import NodeSchema, NodeType, PathParam, Port
from tests.engine.stub_nodes import project_root

# onnxruntime's uploader resolved its host 3 to 9 s after the first session was made (measured on two
# cores); the child stays alive this long after its render so a late start is caught too.
LINGER_S = 15

GUARDED_RENDER = r"""
import socket, sys, time

_Socket = socket.socket
_getaddrinfo = socket.getaddrinfo
INTERNET = (socket.AF_INET, socket.AF_INET6)


def refuse(what):
    print(f"NETWORK ATTEMPT: {what}", file=sys.stderr, flush=True)
    raise OSError(f"no network in a render: {what}")


LOOPBACK = ("127.0.0.1", "::1", "localhost")


class GuardedSocket(_Socket):
    # Making an internet socket is allowed: urllib3 (under huggingface_hub) makes one at import to
    # bind ::1 and learn whether the machine has IPv6, which never leaves the machine. Reaching out
    # is what is refused: any connect or send, and a bind to anything but loopback.
    def connect(self, address):
        if self.family in INTERNET:
            refuse(f"connect({address!r})")
        return super().connect(address)

    def connect_ex(self, address):
        if self.family in INTERNET:
            refuse(f"connect_ex({address!r})")
        return super().connect_ex(address)

    def sendto(self, *args):
        if self.family in INTERNET:
            refuse(f"sendto({args[-1]!r})")
        return super().sendto(*args)

    def bind(self, address):
        if self.family in INTERNET and address[0] not in LOOPBACK:
            refuse(f"bind({address!r})")
        return super().bind(address)


def guarded_getaddrinfo(host, *args, **kwargs):
    refuse(f"getaddrinfo({host!r})")


socket.socket = GuardedSocket
socket.getaddrinfo = guarded_getaddrinfo

from app.cli import main

code = main(sys.argv[2:])
time.sleep(float(sys.argv[1]))
sys.exit(code)
"""


def save_voice_project(folder):
    """A line spoken by the built-in Piper voice, written to a WAV file."""
    from app.nodes import build_registry
    from engine.commands import AddNode, Connect, UndoStack
    from engine.graph import Graph
    from engine.project import Project, save_project

    graph = Graph(build_registry())
    stack = UndoStack(graph)
    stack.push(AddNode("sound.voice", (0, 0), {"lines": [{"text": "Nothing leaves this room."}]}, node_id="line"))
    stack.push(AddNode("output.export_audio", (300, 0), {"path": "line.wav"}, node_id="file"))
    stack.push(Connect("line", "audio", "file", "audio"))
    return save_project(Project(graph, "Offline"), folder / "offline.aiprod")


def strace_usable() -> bool:
    """strace is installed and may trace here (containers often forbid ptrace)."""
    if shutil.which("strace") is None:
        return False
    probe = subprocess.run(["strace", "-f", "-o", os.devnull, "true"], capture_output=True)
    return probe.returncode == 0


def guarded_render(tmp_path, linger=0.0, trace=None):
    """Render the voice project in a guarded child (under strace, writing `trace`, if given)."""
    project = save_voice_project(tmp_path)
    home = tmp_path / "home"  # where onnxruntime's telemetry would keep its device id and event database
    env = {**os.environ, "PYTHONPATH": str(project_root()), "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}
    command = [sys.executable, "-c", GUARDED_RENDER, str(linger), "render", "-q", "--cache-dir",
               str(tmp_path / "cache"), str(project)]
    if trace is not None:
        command = ["strace", "-f", "-e", "trace=socket,connect", "-o", str(trace), *command]
    result = subprocess.run(command, cwd=project_root(), env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "line.wav").stat().st_size > 10000, "the line was not spoken"
    return result.stderr, sorted(str(p.relative_to(home)) for p in home.rglob("*")) if home.exists() else []


def assert_offline(stderr, home_files):
    assert "NETWORK ATTEMPT" not in stderr, stderr
    telemetry = [p for p in home_files if "Microsoft" in p or "onnxruntime" in p]
    assert telemetry == [], "telemetry files written"


class WriteSwitches(NodeType):
    """Writes the switches as the process running it sees them."""

    schema = NodeSchema("test.write_switches", "Write Switches", "Test", outputs=(Port("file", FILE),),
                        params=(PathParam("path", "", mode="save"),), deterministic=False)

    def execute(self, ctx, inputs, params):
        path = ctx.resolve_path(params["path"])
        path.write_text(json.dumps({name: os.environ.get(name) for name in SWITCHES}))
        return {"file": {"path": str(path)}}


def test_switches_are_set_before_any_library_loads():
    """Even over a shell's own "0", and before onnxruntime is imported, in a fresh process."""
    code = ("import os, sys, app.cli, engine.offline as o; assert 'onnxruntime' not in sys.modules; "
            "print(sorted(k for k, v in o.SWITCHES.items() if os.environ.get(k) != v))")
    env = {**os.environ, "PYTHONPATH": str(project_root()), "ORT_DISABLE_TELEMETRY": "0", "HF_HUB_OFFLINE": "0"}
    result = subprocess.run([sys.executable, "-c", code], cwd=project_root(), env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    assert {"ORT_DISABLE_TELEMETRY", "HF_HUB_OFFLINE", "HF_HUB_DISABLE_TELEMETRY", "TRANSFORMERS_OFFLINE",
            "DO_NOT_TRACK"} <= set(SWITCHES)


def test_a_render_process_keeps_the_switches_whatever_the_editors_environment(tmp_path, monkeypatch):
    """A render process inherits the editor's environment (no longer replaced by the job's copy), and
    sets the switches again itself when it imports the engine."""
    from engine import render_process
    from engine.commands import AddNode, UndoStack
    from engine.graph import Graph
    from engine.registry import Registry
    from engine.render_process import RenderJob

    graph = Graph(Registry((WriteSwitches,)))
    UndoStack(graph).push(AddNode("test.write_switches", params={"path": str(tmp_path / "seen.json")}, node_id="w"))
    job = RenderJob(graph.registry, dict(graph.nodes), dict(graph.links), None, None, None)
    done = []
    monkeypatch.setenv("ORT_DISABLE_TELEMETRY", "0")  # a shell profile's "0", inherited by the new process
    process = render_process.RenderProcess()
    try:
        process.submit(job, lambda event: None, done.append)
        deadline = time.monotonic() + 240  # a new process imports torch and the colour libraries first
        while not done and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        process.close()
    assert done and done[0].status == "finished", done
    assert json.loads((tmp_path / "seen.json").read_text()) == SWITCHES


def test_a_voice_render_opens_no_socket_from_python_and_leaves_no_telemetry_files(tmp_path):
    assert_offline(*guarded_render(tmp_path))


@pytest.mark.slow
@pytest.mark.skipif(not strace_usable(), reason="needs strace, allowed to trace child processes")
def test_a_voice_render_makes_no_internet_socket_even_from_native_code(tmp_path):
    trace = tmp_path / "render.strace"
    stderr, home_files = guarded_render(tmp_path, LINGER_S, trace)
    calls = [line for line in trace.read_text().splitlines() if "AF_INET" in line]  # AF_INET6 too
    assert calls == [], "sockets opened during the render:\n" + "\n".join(calls[:10])
    assert_offline(stderr, home_files)


def test_a_generating_render_loads_and_runs_its_model_without_a_socket(tmp_path):
    """A Keyframe with a model from AIPROD_MODEL_DIRS, rendered by the CLI in a guarded child: diffusers
    and transformers load it and run it with no hub lookup and no socket."""
    from app.nodes import build_registry
    from engine.commands import AddNode, Connect, UndoStack
    from engine.graph import Graph
    from engine.project import Project, save_project
    from tests import tiny_models

    models = tmp_path / "models"
    tiny_models.build("sdxl", models / "tiny-sdxl")
    graph = Graph(build_registry())
    stack = UndoStack(graph)
    stack.push(AddNode("shot.keyframe", (0, 0), {"model": "tiny-sdxl", "prompt": "a lighthouse", "width": 32,
                                                 "height": 32, "steps": 2}, node_id="key"))
    stack.push(AddNode("output.save_image", (300, 0), {"path": "key.png"}, node_id="file"))
    stack.push(Connect("key", "image", "file", "image"))
    project = save_project(Project(graph, "Generated offline"), tmp_path / "generated.aiprod")
    home = tmp_path / "home"
    env = {**os.environ, "PYTHONPATH": str(project_root()), "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"),
           "AIPROD_MODEL_DIRS": str(models), "HF_HUB_OFFLINE": "0"}  # a shell's "0" must not turn the hub back on
    command = [sys.executable, "-c", GUARDED_RENDER, "0", "render", "-q", "--cache-dir", str(tmp_path / "cache"),
               str(project)]
    result = subprocess.run(command, cwd=project_root(), env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "NETWORK ATTEMPT" not in result.stderr, result.stderr
    assert (tmp_path / "key.png").stat().st_size > 0
    assert not (home / ".cache" / "huggingface").exists(), "a hub cache was made"
