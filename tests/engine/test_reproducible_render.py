"""Two renders of the sample film from scratch give the same bits, even run at once on one cache folder.

Both renders are `aiprod render` processes started together with one fresh --cache-dir, so the pair
checks a render against another process's render and two writers sharing a cache, for the price of
one pair. To keep that price down, the copy of the sample that they render differs from the file
in what is written only: its Export writes the film's last frames (the City shot's end, whose
place depends on how long its spoken line is), and an added Export Audio writes the whole mix, so
every node still runs from scratch. Each render names its own files, so only the two output nodes'
cache entries differ between them.
"""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time

import av
import numpy as np
import pytest

from tests.engine.stub_nodes import project_root

EXAMPLES = project_root() / "resources" / "examples"
FIRST_FRAME = 384  # 16 s in: the film's last ~2 s, after the city line ends


def sample_copy(folder, name):
    """The sample film, writing `name`.mp4 (its last frames) and `name`.wav (the whole mix) into `folder`."""
    data = json.loads((EXAMPLES / "sample.aiprod").read_text())
    for node in data["nodes"]:
        if node["type"] == "media.import_image":
            node["params"]["path"] = str(EXAMPLES / node["params"]["path"])
        if node["type"] == "output.export":
            node["params"].update(path=f"{name}.mp4", first_frame=FIRST_FRAME, last_frame=-1)
    data["nodes"].append({"object": "Node.1", "id": "mix_file", "type": "output.export_audio", "type_version": 1,
                          "position": [1400, 1300], "params": {"path": f"{name}.wav", "format": "wav24"}})
    data["links"].append({"object": "Link.1", "id": "mix_to_file", "from": {"node": "mix", "port": "mix"},
                          "to": {"node": "mix_file", "port": "audio"}})
    path = folder / f"{name}.aiprod"
    path.write_text(json.dumps(data, indent=2))
    return path


def digests(path):
    """md5 of each decoded picture and of all decoded sound samples: what a viewer sees and hears."""
    frames, sound = [], hashlib.md5()
    with av.open(str(path)) as container:
        for frame in container.decode(*container.streams):
            if isinstance(frame, av.VideoFrame):
                frames.append(hashlib.md5(frame.to_ndarray(format="rgb24").tobytes()).hexdigest())
            else:
                sound.update(np.ascontiguousarray(frame.to_ndarray()).tobytes())
    return frames, sound.hexdigest()


RENDERS_TIMEOUT_S = 600  # both renders together take about a minute on 2 cores


def finished(render, deadline):
    """The render's stderr once it has ended; a render still running at `deadline` is ended, so that
    a hang fails this test with its stacks instead of holding the machine for the rest of the suite."""
    try:
        return render.communicate(timeout=max(1.0, deadline - time.monotonic()))[1].decode()
    except subprocess.TimeoutExpired:
        render.send_signal(signal.SIGABRT)
        try:
            err = render.communicate(timeout=30)[1].decode()
        except subprocess.TimeoutExpired:
            render.kill()
            err = render.communicate()[1].decode()
        return f"it hung (still running after {RENDERS_TIMEOUT_S} s); its threads:\n{err}"


@pytest.mark.slow
def test_two_renders_at_once_on_one_cache_folder_give_the_same_bits(tmp_path):
    cache = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(project_root())}
    # -X faulthandler: a render that hangs is ended with SIGABRT, which prints every thread's stack.
    renders = {name: subprocess.Popen([sys.executable, "-X", "faulthandler", "-m", "app.cli", "render", "-q",
                                       "--cache-dir", str(cache), str(sample_copy(tmp_path, name))],
                                      cwd=project_root(), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
               for name in ("first", "second")}
    started = time.monotonic()
    try:
        for name, render in renders.items():
            err = finished(render, deadline=started + RENDERS_TIMEOUT_S)
            assert render.returncode == 0, f"the {name} render failed: {err}"
    finally:
        for render in renders.values():
            if render.poll() is None:
                render.kill()
                render.communicate()
    print(f"two renders at once: {time.monotonic() - started:.0f} s")
    first_frames, first_sound = digests(tmp_path / "first.mp4")
    second_frames, second_sound = digests(tmp_path / "second.mp4")
    assert len(first_frames) > 24, "the export wrote too little of the film to compare"
    assert len(first_frames) == len(second_frames), "the films differ in length"
    assert [i for i, (a, b) in enumerate(zip(first_frames, second_frames)) if a != b] == [], "pictures differ"
    assert first_sound == second_sound, "the film's sound differs"
    assert digests(tmp_path / "first.wav")[1] == digests(tmp_path / "second.wav")[1], "the mixes differ"
