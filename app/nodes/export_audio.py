"""Export Audio: a sound (the mix, or one of its stems) as a WAV or FLAC file for delivery or a re-mix.

Written as it is, without normalisation (the Mix already brought it to its loudness target):
24-bit files hold every sample to within half a 24-bit step, 16-bit ones are rounded to 16 bits
(no dither). Channels stay as they come: mono, stereo or 5.1 (L R C LFE Ls Rs, tagged so). The
file is written under a temporary name and renamed at the end, so a cancelled or failed export
leaves nothing; the project, the node's settings and the render record (how the sound was made,
engine.render_record) go into the file's comment tag, with AIPROD's mark, and a file without that
mark is not replaced unless the user allowed it (engine.output_target).
"""

from __future__ import annotations

from pathlib import Path

from engine.atomic import atomic_write
from engine.audio.buffer import Audio
from engine.errors import NodeExecutionError
from engine.media.audio_mux import AUDIO_FILE_FORMAT_LABELS, AUDIO_FILE_FORMATS, FilmAudio, write_audio_file
from engine.media.authorship import container_tags
from engine.output_target import claim_file, still_as_written, written_file
from engine.ports import AUDIO, FILE
from engine.render_record import movie_comment
from engine.render_record_sidecar import claim_record_sidecar, write_record_sidecar
from engine.schema import EnumParam, NodeSchema, NodeType, PathParam, Port

from .export import provenance_of

FORMAT_CHOICES = tuple(AUDIO_FILE_FORMAT_LABELS.items())  # (id, label)
# The labels projects saved before ids; frozen, so rewording a label never breaks a project.
FORMAT_RENAMED = {"WAV 24-bit": "wav24", "WAV 16-bit": "wav16", "FLAC 24-bit": "flac24"}


class ExportAudio(NodeType):
    schema = NodeSchema(
        type_id="output.export_audio", title="Export Audio", category="Output", is_output=True,
        inputs=(Port("audio", AUDIO, help="The sound to write: a Mix's mix or one of its stems, or any sound."),),
        outputs=(Port("file", FILE, help="The written file."),),
        params=(
            PathParam("path", "mix.wav", mode="save", file_filter="Audio (*.wav *.flac)",
                      help="Where to write; relative paths are taken from the project folder."),
            EnumParam("format", "wav24", FORMAT_CHOICES, renamed=FORMAT_RENAMED,
                      help="WAV 24-bit (delivery and re-mix masters), WAV 16-bit (CD-style) or FLAC 24-bit "
                           "(lossless, about half the size)."),
        ),
        help="Writes a sound to a WAV or FLAC file, sample for sample, in mono, stereo or 5.1.",
    )

    def problems(self, params, paths):
        _, extension = AUDIO_FILE_FORMATS[params["format"]]
        suffix = Path(params["path"]).suffix.lower()
        if suffix != extension:
            return [f"{AUDIO_FILE_FORMAT_LABELS[params['format']]} is written to a {extension} file; the path ends in "
                    f"{suffix or '(no extension)'!r}. Change the path's extension or the format."]
        return []

    def execute(self, ctx, inputs, params):
        problems = self.problems(params, ctx.paths)
        if problems:
            raise NodeExecutionError(problems[0])
        audio: Audio = inputs["audio"]
        if audio.frames == 0:
            raise NodeExecutionError("the sound is empty (0 s long); link a sound with content")
        encoding, _ = AUDIO_FILE_FORMATS[params["format"]]
        target = ctx.resolve_path(params["path"])
        if not target.parent.is_dir():
            raise NodeExecutionError(f"cannot write {target}: the folder {target.parent} does not exist; "
                                     "create it first")
        claim_file(ctx, target)
        comment, record_text = movie_comment(provenance_of(ctx, params), target)
        if record_text is not None:
            claim_record_sidecar(ctx, target)
        tags = container_tags(comment, target.suffix)
        sound = FilmAudio.whole(audio)
        try:
            atomic_write(target, lambda tmp: write_audio_file(tmp, sound, encoding, tags, ctx.progress))
            write_record_sidecar(target, record_text)
        except OSError as exc:
            raise NodeExecutionError(f"cannot write {target}: {exc.strerror or exc}. Choose a folder you can "
                                     "write to, with free space.") from exc
        return {"file": written_file(target)}

    def cache_is_current(self, outputs, params, ctx):
        return still_as_written(outputs["file"], ctx.resolve_path(params["path"]))

