"""Port types: what flows along a link, which types may feed which, and how values are cached."""

from __future__ import annotations

from dataclasses import dataclass, field

from .audio.buffer import AudioCodec
from .codecs import JsonCodec, NumpyCodec, ValueCodec
from .image import ImageCodec
from .media.frames_codec import FramesCodec


@dataclass(frozen=True)
class PortType:
    name: str
    color: str  # canvas colour of ports and wires of this type
    help: str
    # Other port types whose values this type accepts as they are (an Int feeds a Float input).
    accepts_from: frozenset[str] = field(default_factory=frozenset)
    codec: ValueCodec | None = None  # None: values are not stored in the disk cache

    def accepts(self, source: "PortType") -> bool:
        return self.name == ANY.name or source.name == self.name or source.name in self.accepts_from


_json = JsonCodec()

ANY = PortType("Any", "#9e9e9e", "Accepts a value of any type.")
IMAGE = PortType("Image", "#64b5f6", "One picture, float32 scene-linear.", codec=ImageCodec())
FRAMES = PortType("Frames", "#1e88e5", "A shot or clip: a streamed sequence of frames at a rational fps.",
                  codec=FramesCodec())
AUDIO = PortType("Audio", "#66bb6a", "Sound, float32 at 48 kHz.", codec=AudioCodec())
TEXT = PortType("Text", "#ffb74d", "A string: a prompt, a line of dialogue, a title.", codec=_json)
FLOAT = PortType("Float", "#bdbdbd", "A number.", accepts_from=frozenset({"Int"}), codec=_json)
INT = PortType("Int", "#90a4ae", "A whole number.", codec=_json)
BOOL = PortType("Bool", "#a1887f", "True or false.", codec=_json)
TIMELINE = PortType("Timeline", "#ba68c8", "An editorial timeline (OpenTimelineIO).")
GRADE = PortType("Grade", "#f06292", "A colour transform that can be applied to images and frames.", codec=_json)
CAMERA_PATH = PortType("CameraPath", "#4db6ac", "Keyframed camera poses over time.", codec=_json)
SUBTITLES = PortType("Subtitles", "#fff176", "Timed text cues.", codec=_json)
MODEL = PortType("Model", "#7986cb", "A reference to a local model folder or file.", codec=_json)
FILE = PortType("File", "#e0e0e0", "A file a node wrote: its path and content fingerprint.", codec=_json)
ARRAY = PortType("Array", "#cfd8dc", "A raw numeric array.", codec=NumpyCodec())

BUILTIN_PORT_TYPES: tuple[PortType, ...] = (
    ANY, IMAGE, FRAMES, AUDIO, TEXT, FLOAT, INT, BOOL, TIMELINE, GRADE, CAMERA_PATH, SUBTITLES, MODEL, FILE, ARRAY,
)
