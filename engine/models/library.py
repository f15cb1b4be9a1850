"""The models installed on this machine: every model folder walked, each diffusers folder and
safetensors file identified from its contents, looked up by the name a project stores.

A project names a model by its folder or file name ("sdxl-base", "flux1-dev"), the way it names
a voice; the same project opens on another workstation whose model folders differ. What a model
is (family, task, part) comes from its files (model_index.json class names, safetensors header
keys, the model class a transformers folder's config.json names), never from that name. Identification is remembered per (path, size, mtime) in an index
file so that a second scan of hundreds of models reads no weights at all.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..atomic import atomic_write_text
from . import families as fam
from .checkpoint_keys import Classification, ModelFileError, classify, classify_folder_config, read_header
from .weights_fingerprint import FingerprintMemo

log = logging.getLogger("aiprod.models")

SAFE_SUFFIX = ".safetensors"
PICKLE_SUFFIXES = (".ckpt", ".pt", ".pth", ".bin")
# A ComfyUI models/ tree keeps these; a user may also point at ComfyUI's own folder (models/ inside).
COMFYUI_FOLDERS = ("checkpoints", "diffusion_models", "unet", "vae", "loras", "text_encoders", "clip")
SKIPPED_FOLDERS = {"voices", "piper", ".git", "__pycache__", ".cache"}
MAX_DEPTH = 4  # model folders hold models a few levels down at most; a home folder is not walked whole
INDEX_VERSION = 4  # 4: a folder's licence from its model card
RESCAN_AFTER_S = 2.0  # a missing name rescans at most this often (a graph naming it ten times scans once)


@dataclass(frozen=True)
class InstalledModel:
    name: str  # what a project stores: the folder's name, or the file's name without .safetensors
    path: Path
    # "diffusers" (a folder), "transformers" (a CLIP or SigLIP folder), "single-file" (.safetensors)
    # or "pickle" (.ckpt/.pt/.bin)
    storage: str
    family: str | None
    part: str | None  # None: a whole model; else lora / vae / text-encoder / denoiser
    tasks: tuple[str, ...]
    variant: str = ""
    precision: str = ""
    size_bytes: int = 0
    licence: str = ""
    title: str = ""
    root: Path | None = None  # the model folder it was found in
    weights_variant: str = ""  # a diffusers folder holding only x.fp16.safetensors loads as variant "fp16"

    @property
    def family_label(self) -> str:
        family = fam.FAMILIES.get(self.family or "")
        return family.label if family else fam.SIMILARITY_LABELS.get(self.family or "", "unknown")

    @property
    def is_pickle(self) -> bool:
        return self.storage == "pickle"

    def describe(self) -> str:
        """One line for lists and messages: "flux1-dev (FLUX.1 dev, single file, bf16, 23.8 GB)"."""
        # A pickle is not opened to identify it (that could run its code): it has no family to show.
        what = "" if self.is_pickle else " ".join(x for x in (self.family_label, self.variant) if x)
        kind = {"diffusers": "diffusers folder", "transformers": "transformers folder", "single-file": "single file",
                "pickle": "pickle checkpoint"}
        bits = [what, self.part or "", kind[self.storage], self.precision, size_text(self.size_bytes)]
        return f"{self.name} ({', '.join(b for b in bits if b)})"


def size_text(size_bytes: int) -> str:
    return f"{size_bytes / 1e9:.1f} GB" if size_bytes >= 1e9 else f"{size_bytes / 1e6:.1f} MB"


def _folder_size(folder: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _component_weights(folder: Path, index: dict) -> tuple[list[Path], str]:
    """The weight files a load reads, and the diffusers `variant` it needs ("" or e.g. "fp16").

    A hub download often holds each component twice or more (model.safetensors beside
    model.fp16.safetensors, ONNX and Flax copies): only what from_pretrained will read counts
    for the memory plan, and a folder with only fp16 copies must be loaded as that variant."""
    components = [name for name, value in index.items() if isinstance(value, list) and not name.startswith("_")]
    plain, variants = [], {}
    for name in components:
        for file in sorted((folder / name).glob("*" + SAFE_SUFFIX)) if (folder / name).is_dir() else []:
            parts = file.name[:-len(SAFE_SUFFIX)].split(".")
            if len(parts) > 1 and not parts[-1].startswith("000"):  # x.fp16.safetensors (not x-00001-of-00002)
                variants.setdefault(parts[-1], []).append(file)
            else:
                plain.append(file)
    if plain or not variants:
        return plain, ""
    variant = "fp16" if "fp16" in variants else sorted(variants)[0]
    return variants[variant], variant


def _model_card_licence(folder: Path) -> str:
    """The `license:` of a hub model card (README.md's front matter), which a download keeps beside
    model_index.json: the licence the model's makers give it (openrail++, apache-2.0, other...)."""
    try:
        with open(folder / "README.md", encoding="utf-8", errors="replace") as card:
            if card.readline().strip() != "---":
                return ""
            for _ in range(200):  # front matter is short; a card without its end marker is not read whole
                line = card.readline()
                if not line or line.strip() == "---":
                    return ""
                if line.startswith("license:"):
                    return line.split(":", 1)[1].strip().strip("'\"")
    except OSError:
        pass
    return ""


def _record(found, storage: str, size: int, **overrides) -> dict:
    """What the index keeps of one model: its classification, storage and size."""
    record = {"storage": storage, "family": found.family, "part": found.part, "tasks": list(found.tasks),
              "variant": found.variant, "precision": found.precision, "size_bytes": size,
              "licence": found.licence, "title": found.title, "weights_variant": ""}
    return record | overrides


def _largest_precision(weights: list[Path], fallback: str) -> str:
    """The dtype most of the largest weight file is stored in (its header only is read)."""
    try:
        return classify(read_header(max(weights, key=lambda p: p.stat().st_size))).precision or fallback
    except ModelFileError:
        return fallback  # a damaged file fails when loaded, with its own message


def similarity_config(folder: Path) -> dict | None:
    """The parsed config.json of a transformers CLIP or SigLIP folder with safetensors weights, else None."""
    config = _read_json(folder / "config.json")
    if fam.similarity_kind(config) is None or not any(folder.glob("*" + SAFE_SUFFIX)):
        return None
    return config


def identify_similarity_folder(folder: Path) -> dict:
    """A CLIP or SigLIP folder (transformers' layout): an image-text similarity model. The kind comes
    from the model class config.json names; the folder's name plays no part."""
    config = _read_json(folder / "config.json")
    kind = fam.similarity_kind(config)
    vision = config.get("vision_config") if isinstance(config.get("vision_config"), dict) else {}
    size, patch = vision.get("image_size"), vision.get("patch_size")
    variant = f"{size}px/{patch}" if isinstance(size, int) and isinstance(patch, int) else ""
    weights = sorted(folder.glob("*" + SAFE_SUFFIX))
    dtype = config.get("dtype") or config.get("torch_dtype")
    found = Classification(family=kind, tasks=(fam.IMAGE_TEXT_SIMILARITY,) if kind else (), variant=variant,
                           architecture=kind or "")
    return _record(found, "transformers", sum(p.stat().st_size for p in weights),
                   precision=_largest_precision(weights, dtype if isinstance(dtype, str) else ""),
                   licence=_model_card_licence(folder))


def identify_folder(folder: Path) -> dict:
    """A diffusers folder's identification: family and tasks from model_index.json and the
    components' config.json files; size and precision from the weight files a load reads.
    A folder without model_index.json is a CLIP or SigLIP folder (see _candidates)."""
    if not (folder / "model_index.json").is_file():
        return identify_similarity_folder(folder)
    index = _read_json(folder / "model_index.json")
    configs = {sub.name: _read_json(sub / "config.json") for sub in folder.iterdir()
               if sub.is_dir() and (sub / "config.json").is_file()}
    found = classify_folder_config(index, configs)
    weights, weights_variant = _component_weights(folder, index)
    pickled = not weights and any(p.suffix in PICKLE_SUFFIXES for p in folder.rglob("*") if p.is_file())
    size = sum(p.stat().st_size for p in weights) if weights else _folder_size(folder)
    # the largest file's dominant dtype is what the weights are stored in
    precision = _largest_precision(weights, found.precision) if weights else found.precision
    return _record(found, "pickle" if pickled else "diffusers", size, precision=precision,
                   licence=found.licence or _model_card_licence(folder), weights_variant=weights_variant)


def identify_file(path: Path, allow_pickle: bool = False) -> dict:
    """A single weight file's identification, from its safetensors header (no tensor is read).

    A pickle is opened only when the user allowed pickles (then with torch's weights-only guard);
    otherwise it is listed, unidentified, so that a node naming it can say why it is refused."""
    size = path.stat().st_size
    if path.suffix in PICKLE_SUFFIXES:
        if not allow_pickle:
            return _record(Classification(), "pickle", size)
        from .pickle_header import read_pickle_header

        return _record(classify(read_pickle_header(path)), "pickle", size)
    return _record(classify(read_header(path)), "single-file", size)


class ModelLibrary:
    """Every model found in `locator`'s model folders. Thread-safe; scan() again after a change on disk."""

    def __init__(self, locator, index_file: Path | None = None) -> None:
        self.locator = locator
        self.index_file = index_file
        self.fingerprints = FingerprintMemo(index_file.with_name("model-fingerprints.json") if index_file else None)
        self._lock = threading.Lock()
        self._models: list[InstalledModel] | None = None
        self._scanned_at = -1e9
        self.problems: list[str] = []  # files that could not be read, one line each (the Models dialog shows them)

    # ---- scanning --------------------------------------------------------------------------------

    def roots(self) -> list[Path]:
        return [f for f in self.locator.model_folders() if f.is_dir()]

    def scan(self) -> list[InstalledModel]:
        """Walk every model folder (again) and identify what is new or changed."""
        memo = self._read_index()
        allow_pickle = bool(getattr(self.locator, "allow_pickle", False))
        fresh: dict[str, dict] = {}
        found: list[InstalledModel] = []
        problems: list[str] = []
        for root in self.roots():
            for path, stamp in sorted(self._candidates(root, allow_pickle)):
                key = str(path)
                known = memo.get(key)
                if known and known.get("stamp") == stamp:
                    info, problem = known.get("info"), known.get("problem")
                else:
                    info, problem = None, None
                    try:
                        info = identify_folder(path) if path.is_dir() else identify_file(path, allow_pickle)
                    except ModelFileError as exc:
                        problem = str(exc)  # remembered too: a broken file is not re-read until it changes
                    except OSError as exc:
                        problem = f"{path}: cannot be read ({exc.strerror or exc})"
                fresh[key] = {"stamp": stamp, "info": info} if problem is None else {"stamp": stamp, "problem": problem}
                if problem is not None:
                    problems.append(problem)
                    continue
                described = dict(info)
                tasks = tuple(described.pop("tasks"))
                found.append(InstalledModel(name=path.name if path.is_dir() else path.stem, path=path, root=root,
                                            tasks=tasks, **described))
        if fresh != memo:  # an unchanged folder costs no write (a name not found rescans often)
            self._write_index(fresh)
        with self._lock:
            self._models = found
            self.problems = problems
            self._scanned_at = time.monotonic()
        return list(found)

    def _candidates(self, root: Path, allow_pickle: bool):
        """(path, stamp) of each diffusers folder and weight file under `root`; the stamp changes
        when the thing changes (size and mtime of the file, or of a folder's model_index.json)."""
        stack = [(root, 0)]
        while stack:
            folder, depth = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            if folder != root and any(e.name == "model_index.json" for e in entries):
                st = (folder / "model_index.json").stat()
                yield folder, [st.st_size, st.st_mtime_ns, len(entries)]
                continue  # a diffusers folder's sub-folders are its components, not models
            if folder != root and any(e.name == "config.json" for e in entries) and similarity_config(folder):
                # A CLIP or SigLIP folder is one model: its model.safetensors is not a text encoder of its own.
                st = (folder / "config.json").stat()
                yield folder, [st.st_size, st.st_mtime_ns, len(entries)]
                continue
            for entry in entries:
                if entry.name.startswith(".") or entry.name in SKIPPED_FOLDERS:
                    continue
                if entry.is_dir(follow_symlinks=True):
                    if depth < MAX_DEPTH:
                        stack.append((Path(entry.path), depth + 1))
                elif entry.name.endswith(SAFE_SUFFIX) or entry.name.endswith(PICKLE_SUFFIXES):
                    st = entry.stat()
                    # A pickle is identified again when the Preferences start or stop allowing pickles.
                    opened = allow_pickle and entry.name.endswith(PICKLE_SUFFIXES)
                    yield Path(entry.path), [st.st_size, st.st_mtime_ns, opened]

    def _read_index(self) -> dict:
        if self.index_file is None:
            return {}
        data = _read_json(self.index_file)
        return data.get("models", {}) if data.get("version") == INDEX_VERSION else {}

    def _write_index(self, models: dict) -> None:
        if self.index_file is None:
            return
        try:
            self.index_file.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.index_file, json.dumps({"version": INDEX_VERSION, "models": models}))
        except OSError as exc:
            log.warning("the model index %s cannot be written (%s); the next scan reads every header again",
                        self.index_file, exc)

    # ---- looking up ------------------------------------------------------------------------------

    def models(self) -> list[InstalledModel]:
        with self._lock:
            models = self._models
        return list(models) if models is not None else self.scan()

    def find(self, name: str) -> InstalledModel | None:
        """The model a project names: by name (first in search order), or by its path. A name not
        found makes one new scan (cheap: the index is read, not the files), so a model copied in
        while the editor or a render process runs is found without a restart."""
        for attempt in range(2):
            for model in self.models():
                if model.name == name or str(model.path) == name:
                    return model
            if attempt == 0 and not self._recently_scanned():
                self.scan()
        return None

    def _recently_scanned(self) -> bool:
        return time.monotonic() - self._scanned_at < RESCAN_AFTER_S

    def for_task(self, task: str) -> list[InstalledModel]:
        return [m for m in self.models() if task in m.tasks and m.part is None]

    def parts(self, part: str, family: str | None = None) -> list[InstalledModel]:
        return [m for m in self.models() if m.part == part and (family is None or m.family in (family, None))]

    def config_source(self, family: str) -> InstalledModel | None:
        """A diffusers folder of `family`, whose configs, tokenizers and text encoders complete a
        single-file checkpoint (diffusers would otherwise fetch them from the hub)."""
        for model in self.models():
            if model.storage == "diffusers" and model.family == family and model.part is None:
                return model
        return None

    def fingerprint(self, model: InstalledModel) -> str:
        return self.fingerprints.model_digest(model.path)

    def describe_all(self) -> list[dict]:
        return [{**asdict(m), "path": str(m.path), "root": str(m.root)} for m in self.models()]


_libraries: dict = {}
_libraries_lock = threading.Lock()


def library_for(locator) -> ModelLibrary:
    """One library per set of model folders in this process, so a render scans once and a
    pipeline's fingerprint is hashed once; its index file sits in the user data folder."""
    with _libraries_lock:
        library = _libraries.get(locator)
        if library is None:
            index = locator.data_dir / "model-index.json" if locator.data_dir is not None else None
            library = _libraries[locator] = ModelLibrary(locator, index)
        return library
