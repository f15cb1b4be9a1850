"""Movie files in and out through PyAV: a lazily decoded clip, and the encoder Export drives.

Reading probes the file once (size, exact rational frame rate, frame count) and decodes only when
frames are asked for, seeking to the keyframe before the first one wanted, so opening a two-hour
film costs milliseconds and a shot from its middle decodes a few seconds of it, not the film.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from ..priority import SchedulingKeeper
from .audio_mux import AudioEncoding, AudioTrack
from .clip import Clip, ClipInfo
from .colorspaces import OutputTransform, to_working
from .export_formats import ExportFormat
from .image_io import frame_to_float

VIDEO_EXTENSIONS = (".mp4", ".mov", ".mkv", ".webm", ".avi", ".mxf", ".m4v")
_SWS_COLORSPACE = {1: "ITU709", 5: "ITU601", 6: "SMPTE170M", 9: "BT2020"}  # H.273 matrix -> swscale name


def _open(path: Path) -> av.container.InputContainer:
    if not path.is_file():
        raise ValueError(f"video file {path} does not exist; check the path")
    try:
        container = av.open(str(path))
    except av.FFmpegError as exc:
        raise ValueError(f"cannot open {path}: the file is damaged, truncated or not a video ({exc}). "
                         "Export it again from the source.") from exc
    if not container.streams.video:
        container.close()
        raise ValueError(f"{path} has no video stream; choose a video file")
    return container


class VideoFileClip(Clip):
    """The frames of a movie file as a Clip, decoded on demand and converted to the working space."""

    def __init__(self, path: str | Path, input_space: str = "rec709", working_space: str = "lin_rec709"):
        self.path = Path(path)
        self.input_space = input_space
        with _open(self.path) as container:
            stream = container.streams.video[0]
            fps = stream.average_rate or stream.guessed_rate or stream.base_rate
            if not fps:
                raise ValueError(f"{self.path} does not say its frame rate; re-wrap it with a constant rate")
            self._time_base = stream.time_base
            self._start = stream.start_time or 0
            width, height = stream.codec_context.width, stream.codec_context.height
            count = stream.frames or self._count_packets(container, stream)
            alpha = any(c.is_alpha for c in stream.codec_context.format.components) if stream.codec_context.format \
                else False
        if count <= 0 or not width or not height:
            raise ValueError(f"{self.path} holds no decodable video frames; the file may be truncated")
        super().__init__(ClipInfo(width, height, Fraction(fps), count, working_space, 4 if alpha else 3))

    @staticmethod
    def _count_packets(container, stream) -> int:
        """Frames in a container that does not store the count (Matroska, WebM): one packet each."""
        try:
            return sum(1 for packet in container.demux(stream) if packet.size)
        except av.FFmpegError:
            return 0

    def _index_of(self, frame: av.VideoFrame) -> int:
        ticks = (frame.pts if frame.pts is not None else 0) - self._start
        return round(ticks * self._time_base * self.fps)

    def frames(self, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
        wanted = self._range(start, stop)
        if not wanted:
            return
        with _open(self.path) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            next_index = wanted.start
            try:
                for frame in self._decode_from(container, stream, wanted.start):
                    if self._index_of(frame) < next_index:
                        continue  # between the keyframe and the first frame wanted
                    yield self._convert(frame)
                    next_index += 1
                    if next_index >= wanted.stop:
                        return
            except av.FFmpegError as exc:
                raise ValueError(f"{self.path} is damaged near frame {next_index}: {exc}") from exc
        raise ValueError(f"{self.path} ended at frame {next_index} of {self.frame_count}; the file is truncated. "
                         "Export it again from the source.")

    def _decode_from(self, container, stream, start: int) -> Iterator[av.VideoFrame]:
        """Decoded frames beginning at or before frame `start`: from the keyframe before it, if seeking works."""
        if start > 0:
            target = self._start + int(Fraction(start) / self.fps / self._time_base)
            container.seek(target, stream=stream, backward=True, any_frame=False)
            decoded = container.decode(stream)
            first = next(decoded, None)
            if first is not None and self._index_of(first) <= start:
                yield first
                yield from decoded
                return
            # Some files seek imprecisely and land past the frame: decode from the top instead.
            container.seek(self._start, stream=stream, backward=True, any_frame=False)
        yield from container.decode(stream)

    def _convert(self, frame: av.VideoFrame) -> np.ndarray:
        return to_working(frame_to_float(frame), self.input_space, self.color_space)


class SignalConverter:
    """The 16-bit RGB(A) signal of a frame to the encoder's pixel format (swscale), as VideoEncoder feeds it."""

    def __init__(self, pix_fmt: str, transform: OutputTransform):
        self.pix_fmt, self.transform = pix_fmt, transform
        self._source: av.VideoFrame | None = None  # see _source_frame

    def __call__(self, signal: np.ndarray) -> av.VideoFrame:
        source = self._source_frame(signal)
        # Tag the source as already encoded for the output: swscale colour-manages between differing tags
        # (an untagged source would be "converted" to PQ or HLG a second time).
        source.color_trc, source.color_primaries = self.transform.transfer, self.transform.primaries
        frame = source.reformat(format=self.pix_fmt, dst_colorspace=_SWS_COLORSPACE[self.transform.matrix],
                                dst_color_range="MPEG", dst_color_trc=self.transform.transfer,
                                dst_color_primaries=self.transform.primaries)
        if frame is source:  # nothing to convert: the caller keeps this one, so it is not written again
            self._source = None
        return frame

    def _source_frame(self, signal: np.ndarray) -> av.VideoFrame:
        """`signal` copied into a 16-bit RGB(A) frame kept from one call to the next.

        PyAV's from_ndarray copies a frame twice (to bytes, then row by row) into a newly allocated
        frame: 6 ms a 720p frame, against 1 for one copy into a frame whose memory is already mapped."""
        height, width, channels = signal.shape
        layout = "rgba64le" if channels == 4 else "rgb48le"
        frame = self._source
        if frame is None or frame.format.name != layout or (frame.height, frame.width) != (height, width):
            frame = self._source = av.VideoFrame(width, height, layout)
        plane = frame.planes[0]
        rows = np.frombuffer(plane, dtype="<u2").reshape(height, plane.line_size // 2)  # little-endian, as named
        np.copyto(rows[:, :width * channels].reshape(height, width, channels), signal, casting="same_kind")
        return frame


class VideoEncoder:
    """Writes a 16-bit RGB(A) signal as a movie: swscale converts to the format's YUV, the codec encodes.

    Frames are stamped with their index in a 1/fps time base, so timing is exact (24000/1001 stays so).
    With `audio` (an encoding and a channel count), the file also gets a sound stream, fed through
    write_audio() in step with the frames so the muxer can interleave the two in time order.
    """

    def __init__(self, path: str | Path, fmt: ExportFormat, width: int, height: int, fps: Fraction,
                 transform: OutputTransform, quality: int | None = None, metadata: dict[str, str] | None = None,
                 audio: tuple[AudioEncoding, int] | None = None):
        self.fmt, self.transform = fmt, transform
        # SVT-AV1 makes the thread that opens it, and its own, real-time (engine.priority): put back after
        # each call into the codec (it opens on the first frame and may start threads then).
        self._scheduling = SchedulingKeeper()
        for name, value in fmt.environment.items():
            os.environ.setdefault(name, value)  # a value the user set on purpose wins
        self._container = av.open(str(path), "w")
        try:
            for key, value in (metadata or {}).items():
                self._container.metadata[key] = value
            options = dict(fmt.options)
            if fmt.quality_option and quality is not None:
                options[fmt.quality_option] = str(quality)
            stream = self._container.add_stream(fmt.codec, rate=fps, options=options)
            stream.width, stream.height, stream.pix_fmt = width, height, fmt.pix_fmt
            stream.time_base = 1 / Fraction(fps)
            stream.thread_type = "AUTO"  # frame and slice threads: several times faster than one thread
            tag = fmt.codec_tags.get(Path(path).suffix.lower())
            if tag:
                stream.codec_tag = tag
            context = stream.codec_context
            context.color_primaries, context.color_trc = transform.primaries, transform.transfer
            context.colorspace, context.color_range = transform.matrix, 1  # 1: limited ("TV") range
            self._stream = stream
            self.audio = AudioTrack(self._container, *audio) if audio else None
        except BaseException:
            self._container.close()
            raise
        self._index = 0
        self._convert = SignalConverter(fmt.pix_fmt, transform)

    def write(self, signal: np.ndarray | av.VideoFrame) -> None:
        """One H x W x 3/4 uint16 frame, already through the output transform; or a frame already in the
        format's pixel format and size (engine.media.ycbcr), which goes to the codec as it is."""
        if isinstance(signal, av.VideoFrame):
            if signal.format.name != self.fmt.pix_fmt or (signal.width, signal.height) != (self._stream.width,
                                                                                            self._stream.height):
                raise ValueError(f"a {signal.width}x{signal.height} {signal.format.name} frame cannot go to a "
                                 f"{self._stream.width}x{self._stream.height} {self.fmt.pix_fmt} encoder")
            frame = signal
            frame.color_range, frame.colorspace = 1, self.transform.matrix  # as the stream says (limited range)
        else:
            frame = self._convert(signal)
        frame.pts = self._index
        self._index += 1
        packets = self._stream.encode(frame)
        self._scheduling.restore()
        self._container.mux(packets)

    def write_audio(self, samples: np.ndarray) -> None:
        """The next float32 (channels, n) samples of the soundtrack, at 48 kHz."""
        self.audio.write(samples)

    def finish(self) -> None:
        """Flush the encoders and write the container's index; the file is complete after this."""
        try:
            packets = self._stream.encode(None)
            self._scheduling.restore()
            self._container.mux(packets)
            if self.audio is not None:
                self.audio.finish()
        finally:
            self._container.close()
            self._scheduling.restore()

    def abandon(self) -> None:
        """Close without caring whether the file is valid (it is about to be deleted)."""
        try:
            self._container.close()
        except Exception:  # noqa: BLE001 - a half-written file may not close cleanly; it is removed next
            pass
