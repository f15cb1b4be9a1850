"""`aiprod render` on a machine where Qt cannot load reads the Preferences file and renders with them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from tests.engine.stub_nodes import project_root

# Installed as sitecustomize.py on PYTHONPATH: every import of Qt fails, as on a server without it.
NO_QT = '''
import importlib.abc, sys

class NoQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("PySide6", "shiboken6"):
            raise ImportError(f"{name} is not installed on this machine (test)")
        return None

sys.meta_path.insert(0, NoQt())
'''


def voice_project(folder):
    from app.nodes import build_registry
    from engine.commands import AddNode, Connect, UndoStack
    from engine.graph import Graph
    from engine.project import Project, save_project

    graph = Graph(build_registry())
    stack = UndoStack(graph)
    stack.push(AddNode("sound.voice", (0, 0), {"lines": [{"speaker": "", "text": "Hello from the shelf."}], "voice": "shelf-voice"}, node_id="v"))
    stack.push(AddNode("output.export_audio", (300, 0), {"path": "talk.wav"}, node_id="out"))
    stack.push(Connect("v", "audio", "out", "audio"))
    return save_project(Project(graph, "Talk"), folder / "talk.aiprod")


def aiprod(tmp_path, *args):
    blocker = tmp_path / "no-qt"
    blocker.mkdir(exist_ok=True)
    (blocker / "sitecustomize.py").write_text(NO_QT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(blocker), str(project_root())])}
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)


def test_a_headless_render_without_qt_uses_the_model_folder_and_cache_in_preferences(tmp_path):
    from engine.audio.tts import BUILTIN_VOICE, find_voices

    aiprod(tmp_path, "--help")  # writes the blocker; with it, Qt cannot be imported in that interpreter
    check = subprocess.run([sys.executable, "-c", "import PySide6.QtCore"], capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(tmp_path / "no-qt")})
    assert check.returncode != 0 and "not installed on this machine" in check.stderr

    builtin = find_voices(None)[BUILTIN_VOICE]
    shelf, cache = tmp_path / "shelf", tmp_path / "prefs-cache"
    shelf.mkdir()
    shutil.copy(builtin.model, shelf / "shelf-voice.onnx")
    shutil.copy(builtin.config, shelf / "shelf-voice.onnx.json")
    project = voice_project(tmp_path)
    config = tmp_path / "user-config"  # AIPROD_CONFIG_DIR (conftest)
    config.mkdir()

    missing = aiprod(tmp_path, "render", str(project))  # no Preferences yet: the voice is not found
    assert missing.returncode == 1 and "'shelf-voice' is not installed" in missing.stderr

    (config / "preferences.json").write_text(json.dumps({"model_folders": [str(shelf)], "cache_folder": str(cache)}))
    result = aiprod(tmp_path, "render", str(project))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "talk.wav").stat().st_size > 10_000
    assert "warning" not in result.stderr and "PySide6" not in result.stderr
    assert any(cache.rglob("*")), "the render did not use the cache folder set in Preferences"
    valid = aiprod(tmp_path, "validate", str(project))  # validate finds the voice there too
    assert valid.returncode == 0, valid.stderr
