"""The quick paths stay quick: the node registry, `aiprod --help` and `aiprod validate` import no torch
and no scipy.

Those two take ~4.5 s to import on this project's CPU; imported with the registry, every `aiprod`
command and the editor's first window waited for them (`aiprod --help` took 7 s, 1.3 s without).
The engine imports them in the functions that run them, and renders import them up front
(engine.render_process.warm_imports). A module-level `import torch` or `from scipy import ...` in a
module the registry reaches fails this test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.engine.stub_nodes import project_root

HEAVY = ("torch", "scipy.signal", "scipy.ndimage", "pyloudnorm")

PROBE = """
import json, sys
from app.cli import build_parser, main
from app.nodes import build_registry

build_registry()
build_parser()
code = main(["validate", sys.argv[1]])
print(json.dumps({"code": code, "heavy": [m for m in sys.argv[2:] if m in sys.modules]}))
"""


def test_the_registry_and_validate_import_neither_torch_nor_scipy():
    sample = project_root() / "resources" / "examples" / "sample.aiprod"
    done = subprocess.run([sys.executable, "-c", PROBE, str(sample), *HEAVY], capture_output=True, text=True,
                          timeout=120, cwd=project_root())
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {"code": 0, "heavy": []}


WATCH_ORDER = """
import json, sys

order = []


class Watch:  # told of each module's first import, before it is found
    def find_spec(self, name, path=None, target=None):
        if name in ("colour", "torch"):
            order.append(name)


sys.meta_path.insert(0, Watch())
from engine.render_process import warm_imports

warm_imports()
print(json.dumps({"missing": [m for m in sys.argv[1:] if m not in sys.modules], "order": order}))
"""


def test_a_render_process_imports_them_before_its_first_job_and_what_previews_need_first():
    """warm_imports freezes what it imported out of the collector's sight; torch must be among it. The
    editor runs it too, for its previews: colour-science (every picture's sRGB curve) comes before torch,
    so a still or a title looked at in the editor's first seconds waits ~1.5 s for it, not ~5 s for both."""
    done = subprocess.run([sys.executable, "-c", WATCH_ORDER, *HEAVY], capture_output=True, text=True,
                          timeout=120, cwd=project_root())
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"missing": [], "order": ["colour", "torch"]}


FAKE_TORCH = '''
class cuda:
    @staticmethod
    def is_available():
        return True

    @staticmethod
    def get_device_name(index):
        return "Test RTX 6000"
'''


def test_the_calibration_names_the_gpu_before_anything_imported_torch(tmp_path):
    # The calibration is filed under the machine's CPU and GPU. Read before any render imported torch
    # (the editor's F5 in its first seconds), it must still name the GPU: filed under "no GPU", the
    # table saved after that render would replace this GPU's measurements. A stand-in torch on the path
    # plays a machine with a GPU.
    (tmp_path / "torch").mkdir()
    (tmp_path / "torch" / "__init__.py").write_text(FAKE_TORCH)
    probe = ("import sys\nfrom engine.cost.calibration import Calibration\n"
             "assert 'torch' not in sys.modules\nprint(Calibration.defaults().machine)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
                          cwd=project_root(), env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("· Test RTX 6000")
