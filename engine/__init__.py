"""AIPROD Studio engine: the Qt-free core that holds, saves and runs node graphs.

Nothing under engine/ may import Qt or the app; tests/engine/test_architecture.py enforces it.
"""

# First, before anything imports a library that may phone home: every entry point (the CLI, the
# editor, a render process, the tests) imports the engine before onnxruntime or the Hugging Face
# libraries, and some of them read their switches only once, when they load.
from . import offline

offline.apply()

__version__ = "0.1.0"
