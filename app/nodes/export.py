"""Export: the film as a delivery file (H.264 ... ProRes, DNxHR, AV1) or an EXR / DPX / PNG sequence.

Scene-linear frames go through the output transform in a worker thread while the encoder
compresses the previous ones (app.nodes.export_signal: for an 8-bit SDR movie, a film's closing
Grade and the output transform are one baked table, engine.media.signal_lut).
Everything is written beside the target under a temporary name and renamed at the end: a failed
or cancelled export leaves neither a partial file nor the temporary, and a sequence written over
an older one replaces it in one swap where its folder holds nothing else
(engine.media.sequence_folder). The project graph, the node's own settings and the render record
(engine.render_record: how each node upstream made its output) go into the file's "comment" tag (a
sidecar .aiprod.json for sequences; `<movie>.record.json` where the container cannot hold them), so
any render can be traced back to what made it and rendered again (`aiprod render --reproduce`).
The "comment" carries AIPROD's mark (engine.media.authorship): a render replaces a file only if
AIPROD wrote it or the user allowed it (engine.output_target), and first removes what renders
killed while writing there left behind.

A linked `audio` input becomes the film's soundtrack, cut to exactly the frames written (so sound
and picture last the same time) and encoded in step with the frames: AAC with H.264, H.265, VP9
and AV1 in MP4 / MOV / Matroska, Opus in WebM (which cannot hold AAC), 24-bit PCM with ProRes
and DNxHR, and a 24-bit WAV beside the frames of an image sequence (engine.media.audio_mux).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from engine.atomic import atomic_write
from engine.errors import NodeExecutionError
from engine.fingerprint import file_fingerprint
from engine.media.clip import Clip
from engine.media.colorspaces import OUTPUT_TRANSFORM_CHOICES, OUTPUT_TRANSFORM_RENAMED, OUTPUT_TRANSFORMS
from engine.media.audio_mux import ENCODINGS, FilmAudio, write_audio_file
from engine.media.authorship import container_tags, stamp
from engine.media.export_formats import (FORMAT_CHOICES, FORMAT_RENAMED, FORMATS, ExportFormat, audio_codec_for, extension_problem,
                                         size_problem)
from engine.media.image_io import encode_dpx10, encode_exr, encode_png16
from engine.media.image_sequence import frame_path, is_pattern, sequence_fingerprint, write_pattern
from engine.media.prefetch import Prefetch
from engine.media.sequence_folder import SequenceStage
from engine.media.video_io import VideoEncoder
from engine.output_target import claim_file, claim_sequence, still_as_written, written_file
from engine.ports import AUDIO, FILE, FRAMES
from engine.render_record import RECORD_KEY, build_record, movie_comment
from engine.qa.report import report_path
from engine.render_record_sidecar import claim_record_sidecar, write_record_sidecar
from engine.schema import EnumParam, IntParam, NodeSchema, NodeType, PathParam, Port

from .export_qa import ExportQA
from .export_signal import export_frames



class Export(NodeType):
    schema = NodeSchema(
        type_id="output.export", title="Export", category="Output", is_output=True,
        inputs=(Port("frames", FRAMES, help="The shot or film to write."),
                Port("audio", AUDIO, optional=True,
                     help="The soundtrack (e.g. a Mix's mix), cut or padded with silence to the frames written: "
                          "AAC (Opus in WebM) with H.264/H.265/VP9/AV1, 24-bit PCM with ProRes and DNxHR, "
                          "a 24-bit WAV beside image sequences.")),
        outputs=(Port("file", FILE, help="The written file; for sequences the frame pattern, with the first "
                                          "and last frame numbers (and the sidecar WAV, with sound)."),),
        params=(
            PathParam("path", "render.mp4", mode="save",
                      file_filter="Movies (*.mp4 *.mov *.mkv *.webm *.mxf);;Image sequences (*.exr *.dpx *.png)",
                      help="Where to write; relative paths are taken from the project folder. For sequences, "
                           "a folder or a pattern such as renders/shot_%04d.exr."),
            EnumParam("format", "h264", FORMAT_CHOICES, renamed=FORMAT_RENAMED,
                      help="Codec and pixel format of the delivery."),
            EnumParam("output_transform", "rec709", OUTPUT_TRANSFORM_CHOICES, renamed=OUTPUT_TRANSFORM_RENAMED,
                      help="Display encoding and gamut written (EXR keeps scene-linear and ignores it). "
                           "HDR (PQ, HLG) needs a 10-bit format."),
            IntParam("quality", 18, min=0, max=63,
                     help="Constant rate factor for H.264/H.265/VP9/AV1: lower is better and bigger (18 is "
                          "visually lossless for H.264). ProRes, DNxHR and sequences ignore it."),
            IntParam("first_frame", 0, min=0, help="First frame to write (0 = the start)."),
            IntParam("last_frame", -1, min=-1, help="Last frame to write, included; -1 = the end."),
            EnumParam("exr_precision", "half", ("half", "float"),
                      help="EXR sequences: 16-bit half floats (standard) or 32-bit floats."),
        ),
        help="Writes frames to a movie file or an image sequence, with colour tags and the project embedded.",
    )

    def problems(self, params, paths):
        fmt = FORMATS[params["format"]]
        path = Path(params["path"])
        problem = extension_problem(fmt, self._sequence_extension(path, fmt) if fmt.sequence else path.suffix)
        if problem:
            return [problem]
        transform = OUTPUT_TRANSFORMS[params["output_transform"]]
        if transform.hdr and not fmt.is_hdr_capable and fmt.codec != "exr":
            return [f"{transform.name} is HDR and needs 10 bits; {fmt.name} has {fmt.bit_depth}. "
                    "Choose H.265 10-bit, ProRes, DNxHR HQX or AV1, or an SDR output transform."]
        if fmt.quality_option:
            low, high = fmt.quality_range
            if not low <= params["quality"] <= high:
                return [f"quality {params['quality']} is outside {low}..{high}, the range of {fmt.name}"]
        return []

    @staticmethod
    def _sequence_extension(path: Path, fmt: ExportFormat) -> str:
        return path.suffix if (is_pattern(path) or path.suffix) else fmt.extensions[0]

    def execute(self, ctx, inputs, params):
        problems = self.problems(params, ctx.paths)
        if problems:
            raise NodeExecutionError(problems[0])
        fmt = FORMATS[params["format"]]
        clip: Clip = inputs["frames"]
        problem = size_problem(fmt, clip.width, clip.height)
        if problem:
            raise NodeExecutionError(problem)
        first = params["first_frame"]
        last = clip.frame_count - 1 if params["last_frame"] == -1 else params["last_frame"]
        if not first <= last < clip.frame_count:
            raise NodeExecutionError(f"frame range {first}..{params['last_frame']} is impossible: the clip has "
                                     f"{clip.frame_count} frames (0..{clip.frame_count - 1}). Set first_frame "
                                     "and last_frame inside it (last_frame -1 means the end).")
        target = ctx.resolve_path(params["path"])
        folder = write_pattern(target, fmt.extensions[0]).parent.parent if fmt.sequence else target.parent
        if not folder.is_dir():  # checked before any frame is computed
            raise NodeExecutionError(f"cannot write {target}: the folder {folder} does not exist; create it first")
        if fmt.sequence:
            pattern = write_pattern(target, fmt.extensions[0])
            claim_sequence(ctx, pattern, sequence_sidecars(pattern), sidecar_name(pattern),
                           range(first, last + 1), clip.frame_count)
        provenance = provenance_of(ctx, params)
        if not fmt.sequence:
            claim_file(ctx, target)
            comment, record_text = movie_comment(provenance, target)
            if record_text is not None:
                claim_record_sidecar(ctx, target)
        audio = inputs.get("audio")
        sound = FilmAudio(audio, clip.fps, first, last + 1) if audio is not None else None
        qa = ExportQA(ctx, clip, audio, first, last)  # the automatic QA, on the frames as they are written
        frames = Prefetch(export_frames(clip, fmt, params["output_transform"], qa, first, last + 1))
        try:
            if fmt.sequence:
                return {"file": qa.finished(self._write_sequence(ctx, target, fmt, params, frames, first, last,
                                                                 provenance, sound, clip.frame_count))}
            return {"file": qa.finished(self._write_movie(ctx, target, fmt, params, clip, frames, first,
                                                          last - first + 1, comment, record_text, sound))}
        except OSError as exc:
            raise NodeExecutionError(f"cannot write {target}: {exc.strerror or exc}. Choose a folder you can "
                                     "write to, with free space.") from exc
        finally:
            frames.close()

    def _write_movie(self, ctx, target, fmt, params, clip, frames, first, count, comment, record_text, sound) -> dict:
        """The movie, then its record beside it when the comment cannot hold it (record_text)."""
        audio = (ENCODINGS[audio_codec_for(fmt, target.suffix)], sound.channels) if sound is not None else None

        def write(tmp: Path) -> None:
            encoder = VideoEncoder(tmp, fmt, clip.width, clip.height, clip.fps,
                                   OUTPUT_TRANSFORMS[params["output_transform"]], params["quality"],
                                   container_tags(comment, target.suffix), audio=audio)
            try:
                for index, signal in enumerate(frames):
                    encoder.write(signal)
                    if sound is not None:  # the frame's own samples, so the muxer interleaves in time order
                        encoder.write_audio(sound.for_frame(first + index))
                    ctx.progress((index + 1) / count, f"frame {index + 1}/{count}")
            except BaseException:
                encoder.abandon()
                raise
            encoder.finish()

        atomic_write(target, write)
        write_record_sidecar(target, record_text)
        return written_file(target)

    def _write_sequence(self, ctx, target, fmt, params, frames, first, last, provenance, sound, clip_frames) -> dict:
        """Frames into a staging folder, then in place of the old sequence (engine.media.sequence_folder)."""
        pattern = write_pattern(target, fmt.extensions[0])
        folder = pattern.parent
        with SequenceStage(pattern, sequence_sidecars(pattern)) as stage:
            count = last - first + 1
            for index, frame in enumerate(frames):
                (stage.path / frame_path(pattern, first + index).name).write_bytes(encode_frame(frame, fmt, params))
                ctx.progress((index + 1) / count, f"frame {index + 1}/{count}")
            (stage.path / sidecar_name(pattern)).write_text(json.dumps(stamp(provenance), sort_keys=True),
                                                            encoding="utf-8")
            if sound is not None:
                ctx.progress(1.0, "sound")
                write_audio_file(stage.path / audio_sidecar_name(pattern), sound, ENCODINGS[fmt.audio_codec],
                                 container_tags(provenance, ".wav"),
                                 lambda fraction, message: ctx.progress(1.0, f"sound {message}"))
            stage.publish(range(first, last + 1), clip_frames)
        written = [frame_path(pattern, number) for number in range(first, last + 1)]
        result = {"path": str(pattern), "fingerprint": sequence_fingerprint(written), "first": first, "last": last}
        if sound is not None:
            wav = folder / audio_sidecar_name(pattern)
            result.update(audio=str(wav), audio_fingerprint=file_fingerprint(wav))
        return result

    def cache_is_current(self, outputs, params, ctx):
        written = outputs["file"]
        fmt = FORMATS[params["format"]]
        target = ctx.resolve_path(params["path"])
        if fmt.sequence:
            pattern = write_pattern(target, fmt.extensions[0])
            try:  # the frames this export wrote, each still as it left them
                current = sequence_fingerprint([frame_path(pattern, n) for n in range(written["first"],
                                                                                      written["last"] + 1)])
            except (KeyError, OSError):
                return False
            if "audio" in written and file_fingerprint(written["audio"]) != written["audio_fingerprint"]:
                return False  # the sidecar WAV went or changed
            return written["path"] == str(pattern) and current == written["fingerprint"]
        return still_as_written(written, target)


def encode_frame(frame: np.ndarray, fmt: ExportFormat, params: dict) -> bytes:
    """One frame of an image sequence as the bytes of its file."""
    if fmt.codec == "exr":
        return encode_exr(frame, half=params["exr_precision"] == "half")
    return encode_dpx10(frame) if fmt.codec == "dpx" else encode_png16(frame)


def sidecar_name(pattern: Path) -> str:
    """shot_%04d.exr -> shot.aiprod.json: the render's provenance beside its frames."""
    stem = pattern.name.split("%", 1)[0].rstrip("._- ") or "render"
    return f"{stem}.aiprod.json"


def audio_sidecar_name(pattern: Path) -> str:
    """shot_%04d.exr -> shot.wav: the soundtrack beside the frames."""
    return sidecar_name(pattern).replace(".aiprod.json", ".wav")


def sequence_sidecars(pattern: Path) -> tuple[str, ...]:
    """The files a sequence keeps beside its frames: provenance, soundtrack and QA report (written after)."""
    return sidecar_name(pattern), audio_sidecar_name(pattern), report_path(pattern).name


def provenance_of(ctx, params) -> dict:
    """What a file the render delivers says of itself: the node and its settings, the project, and how
    what it was given was made, to render it again (engine.render_record) where the render knows it."""
    provenance = {"aiprod_export": {"node": ctx.node_id, "params": params},
                  "project": _as_json(ctx.run_metadata.get("project"))}
    lineage = ctx.lineage()
    if lineage is not None:
        provenance[RECORD_KEY] = build_record(lineage)
    return provenance


def _as_json(project):
    """The project as JSON inside the tag (not a string of JSON), when it parses."""
    if not isinstance(project, str):
        return project
    try:
        return json.loads(project)
    except ValueError:
        return project
