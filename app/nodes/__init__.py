"""The node types users see, Qt-free so they run in the editor, headless and on a farm.

Each module exports its node classes; `build_registry()` fills a fresh Registry with them.
"""

from __future__ import annotations

from engine.registry import Registry

from .ambience import Ambience, SoundFX
from .camera import CameraNode, CameraPathNode
from .color_bars import ColorBars
from .export import Export
from .export_audio import ExportAudio
from .export_lut import ExportLut
from .grade import Grade, GradeImage
from .import_media import ImportImage, ImportSequence, ImportVideo
from .interpolate import Interpolate
from .keyframe import Keyframe
from .match import Match
from .mix import Mix, Place
from .music import Music, MusicFile
from .qa import QualityCheck
from .save_image import SaveImage
from .scene import Scene
from .sequence import Sequence
from .titles import Title, TitleCard
from .subtitles import BurnSubtitles, Subtitles
from .values import NumberValue, TextValue
from .voice import Voice

NODE_TYPES = (TextValue, NumberValue, ImportImage, ImportSequence, ImportVideo, ColorBars, Keyframe, Scene, CameraPathNode, CameraNode, Interpolate, TitleCard, Title, Sequence, Grade, GradeImage, Match, SaveImage, Export, ExportAudio, ExportLut, QualityCheck,
              Voice, Subtitles, BurnSubtitles, Music, MusicFile, Ambience, SoundFX,
              Place, Mix)


def build_registry() -> Registry:
    return Registry(NODE_TYPES)
