"""Shared fixtures: a test registry, a fresh graph with its undo stack, and a private cache."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def registry():
    from tests.engine.stub_nodes import reset_calls, stub_registry

    reset_calls()
    return stub_registry()


@pytest.fixture
def graph(registry):
    from engine.graph import Graph

    return Graph(registry)


@pytest.fixture
def stack(graph):
    from engine.commands import UndoStack

    return UndoStack(graph)


@pytest.fixture
def cache(tmp_path):
    from engine.cache import DiskCache

    return DiskCache(tmp_path / "cache")


@pytest.fixture(autouse=True)
def private_user_dirs(tmp_path, monkeypatch):
    """No test reads or writes the real user cache/data folders."""
    monkeypatch.setenv("AIPROD_CACHE_DIR", str(tmp_path / "user-cache"))
    monkeypatch.setenv("AIPROD_DATA_DIR", str(tmp_path / "user-data"))
    monkeypatch.setenv("AIPROD_LOG_DIR", str(tmp_path / "user-logs"))
    monkeypatch.setenv("AIPROD_CONFIG_DIR", str(tmp_path / "user-config"))  # the Preferences file
    from app import settings

    monkeypatch.delenv(settings.MODEL_DIRS_ENV, raising=False)


@pytest.fixture
def no_network(monkeypatch):
    """Any socket connection or name lookup fails the test (pytest.fail raises a BaseException,
    which a library's `except Exception` cannot swallow); each attempt is also recorded and
    checked at teardown. For tests that load and run models: nothing may reach a hub."""
    import socket

    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        pytest.fail(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield attempts
    assert not attempts, f"network access attempted: {attempts!r}"


def pytest_collection_modifyitems(config, items):
    """Tests marked gpu run only where torch sees a CUDA device."""
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU (torch.cuda.is_available() is False)")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
