"""AIPROD Studio engine: the Qt-free core that holds, saves and runs node graphs.

Nothing under engine/ may import Qt or the app; tests/engine/test_architecture.py enforces it.
"""

__version__ = "0.1.0"
