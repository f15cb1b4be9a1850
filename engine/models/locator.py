"""Where models and voices are found: an ordered list of model folders, handed to whoever needs it
(RunContext.models, RenderJob.models, a node's missing_models/suggestions) instead of a global."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


def _unique(folders) -> tuple[Path, ...]:
    found: list[Path] = []
    for folder in folders:
        if folder not in found:
            found.append(folder)
    return tuple(found)


@dataclass(frozen=True)
class ModelLocator:
    """`data_dir`: the user data folder (its models/ and voices/ come first); `folders`: the other
    model folders in the order they are searched (the Preferences', then AIPROD_MODEL_DIRS).
    ModelLocator() knows no folder: only the voice that ships with the program is found.

    The CLI and the editor build one from the Preferences and the environment, so two renders in
    one process can use different folders. Frozen paths only: it pickles into a render process."""

    data_dir: Path | None = None
    folders: tuple[Path, ...] = ()
    # Pickle checkpoints (.ckpt, .pt, .bin) can run code when they are loaded: refused unless the
    # user opts in (Preferences), and then loaded with torch's weights_only guard.
    allow_pickle: bool = False

    def __post_init__(self) -> None:
        # Callers hand over strings from a JSON file or an environment variable; blanks mean nothing.
        object.__setattr__(self, "data_dir", Path(self.data_dir) if self.data_dir is not None else None)
        object.__setattr__(self, "folders", _unique(Path(f) for f in self.folders if str(f).strip()))

    @property
    def models_folder(self) -> Path | None:
        """Where a user puts a model that is missing (the data folder's models/)."""
        return self.data_dir / "models" if self.data_dir is not None else None

    @property
    def voices_folder(self) -> Path | None:
        """Where a user drops Piper voices (NAME.onnx + NAME.onnx.json)."""
        return self.data_dir / "voices" if self.data_dir is not None else None

    def model_folders(self) -> list[Path]:
        """Every model folder, in search order: the data folder's models/, then `folders`."""
        first = [self.models_folder] if self.models_folder is not None else []
        return list(_unique([*first, *self.folders]))

    def library(self):
        """The generation models found in the model folders (engine.models.library.ModelLibrary)."""
        from .library import library_for

        return library_for(self)

    def voice_folders(self) -> list[Path]:
        """Every folder searched for Piper voices: the voices folder, then each model folder and
        its voices/ and piper/ subfolders (a shared model tree keeps them there)."""
        first = [self.voices_folder] if self.voices_folder is not None else []
        return list(_unique([*first, *(f for root in self.model_folders()
                                        for f in (root, root / "voices", root / "piper"))]))

    def voices(self) -> dict:
        """Installed voices by name (engine.audio.tts.VoiceFile), the built-in one first."""
        from ..audio.tts import find_voices  # numpy and scipy load only when a voice is looked for

        return find_voices(self.voice_folders())

    def voice(self, name: str):
        """The voice called `name`, or a VoiceError naming what is installed and where voices go."""
        from ..audio.tts import resolve_voice

        return resolve_voice(name, self.voice_folders())

    def where_to_put(self, what: str, voice: bool = False) -> str:
        """The end of a 'model missing' message: which folder to put `what` in (a voice: the voices folder)."""
        folder = self.voices_folder if voice else self.models_folder
        if folder is None:
            return f"put {what} in a model folder (Preferences, or AIPROD_MODEL_DIRS)"
        return f"put {what} in {folder} or in a model folder (Preferences)"
