"""A model's fingerprint is a hash of all its weights, taken once per change of a file and
remembered on disk, so that a render never re-reads 20 GB to learn nothing changed."""

from __future__ import annotations

import json
import os

import engine.models.weights_fingerprint as wf
from engine.models.weights_fingerprint import FingerprintMemo


def model_folder(tmp_path):
    folder = tmp_path / "model"
    (folder / "unet").mkdir(parents=True)
    (folder / "model_index.json").write_text('{"_class_name": "StableDiffusionXLPipeline"}')
    (folder / "unet" / "diffusion_pytorch_model.safetensors").write_bytes(bytes(range(256)) * 64)
    (folder / "README.md").write_text("not part of the model")
    return folder


def count_reads(monkeypatch) -> list:
    reads = []
    real = wf.xxhash.xxh3_128

    def counting():
        reads.append(1)
        return real()

    monkeypatch.setattr(wf.xxhash, "xxh3_128", counting)
    return reads


def test_the_fingerprint_follows_the_weights_not_the_readme(tmp_path):
    folder = model_folder(tmp_path)
    memo = FingerprintMemo()
    first = memo.model_digest(folder)
    (folder / "README.md").write_text("edited")
    assert memo.model_digest(folder) == first
    weights = folder / "unet" / "diffusion_pytorch_model.safetensors"
    data = bytearray(weights.read_bytes())
    data[5000] ^= 1  # one bit, deep inside: a sampled hash would miss it
    weights.write_bytes(bytes(data))
    assert memo.model_digest(folder) != first


def test_each_file_is_hashed_once_and_remembered_across_processes(tmp_path, monkeypatch):
    folder = model_folder(tmp_path)
    memo_file = tmp_path / "data" / "model-fingerprints.json"
    first = FingerprintMemo(memo_file).model_digest(folder)
    reads = count_reads(monkeypatch)
    again = FingerprintMemo(memo_file)  # a new render process reads the memo
    assert again.model_digest(folder) == first
    files_hashed = len(reads) - 1  # the one combined digest of the folder is not a file read
    assert files_hashed == 0
    weights = folder / "unet" / "diffusion_pytorch_model.safetensors"
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 10**9))  # touched: hashed again
    assert again.model_digest(folder) == first and len(reads) - 1 == 2


def test_a_damaged_memo_only_costs_a_hash(tmp_path):
    folder = model_folder(tmp_path)
    memo_file = tmp_path / "model-fingerprints.json"
    memo_file.write_text("{not json")
    assert FingerprintMemo(memo_file).model_digest(folder) == FingerprintMemo().model_digest(folder)


def test_a_linked_weight_file_is_remembered_under_the_file_it_points_to(tmp_path):
    """A hub cache's snapshot folder holds links into its blobs folder: the memo follows the link, so
    two snapshots sharing a blob hash it once, and the digest is that of the same files unlinked."""
    blobs = tmp_path / "blobs"
    blobs.mkdir()
    (blobs / "3f2a").write_bytes(bytes(range(256)) * 64)
    snapshot = tmp_path / "snapshot"
    (snapshot / "unet").mkdir(parents=True)
    (snapshot / "model_index.json").write_text('{"_class_name": "StableDiffusionXLPipeline"}')
    (snapshot / "unet" / "diffusion_pytorch_model.safetensors").symlink_to(blobs / "3f2a")
    memo_file = tmp_path / "data" / "model-fingerprints.json"
    linked = FingerprintMemo(memo_file).model_digest(snapshot)
    remembered = json.loads(memo_file.read_text())
    assert str((blobs / "3f2a").resolve()) in remembered
    assert str((snapshot / "model_index.json").resolve()) in remembered
    assert linked == FingerprintMemo().model_digest(model_folder(tmp_path))
