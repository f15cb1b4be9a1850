"""Subtitles from a Voice node's timings: readable cues, written as SRT and/or WebVTT, and burned in.

Two nodes, because burning needs a picture and writing files does not: "Subtitles" turns word
timings into cues and writes the files the user asked for; "Burn Subtitles" draws cues onto a
shot as it streams (nothing is stored, like a title).

A WebVTT file carries AIPROD's mark in a NOTE; SRT has no comments, so its mark is a hidden
sidecar (engine.media.authorship). A file without the mark is replaced only if the user allowed it.
"""

from __future__ import annotations

from engine.atomic import atomic_write_text
from engine.audio.subtitles import STYLES, CueRules, SubtitleBurner, cues_from_timings, cues_from_value, to_srt, \
    to_vtt
from engine.errors import NodeExecutionError, short_repr
from engine.fingerprint import file_fingerprint
from engine.media.authorship import TEXT_MARK, write_sidecar
from engine.media.clip import MapClip
from engine.output_target import claim_file
from engine.ports import FRAMES, SUBTITLES
from engine.schema import EnumParam, FloatParam, IntParam, NodeSchema, NodeType, PathParam, Port

_WRITERS = {"srt_path": (".srt", to_srt), "vtt_path": (".vtt", to_vtt)}


class Subtitles(NodeType):
    schema = NodeSchema(
        type_id="sound.subtitles", title="Subtitles", category="Sound", is_output=True,
        inputs=(Port("timings", SUBTITLES, help="Word timings from a Voice node (or cues to re-time and write)."),),
        outputs=(Port("subtitles", SUBTITLES, help="The cues: {'cues': [{start, end, text, speaker}]}, seconds."),),
        params=(
            PathParam("srt_path", "", mode="save", file_filter="SubRip subtitles (*.srt)",
                      help="Write an .srt file here; empty: do not write one."),
            PathParam("vtt_path", "", mode="save", file_filter="WebVTT subtitles (*.vtt)",
                      help="Write a .vtt file here; empty: do not write one."),
            FloatParam("offset", 0.0, min=-3600.0, max=3600.0, step=0.04,
                       help="Seconds added to every cue: where the dialogue starts in the film."),
            IntParam("max_chars", 42, min=16, max=80, help="Characters per subtitle line at most."),
            FloatParam("reading_speed", 17.0, min=5.0, max=40.0, step=0.5,
                       help="Characters per second a viewer reads; cues stay up long enough where there is room."),
        ),
        help="Turns spoken dialogue timings into subtitle cues and writes SRT / WebVTT files.",
    )

    def problems(self, params, paths):
        found = []
        for name, (suffix, _) in _WRITERS.items():
            if params[name] and not params[name].lower().endswith(suffix):
                found.append(f"{name} should end in {suffix}, got {short_repr(params[name])}")
        return found

    def execute(self, ctx, inputs, params):
        problems = self.problems(params, ctx.paths)
        if problems:
            raise NodeExecutionError(problems[0])
        rules = CueRules(max_chars=params["max_chars"], max_cps=params["reading_speed"])
        value = inputs["timings"]
        if "cues" in value:
            cues = cues_from_value(value)
            for cue in cues:
                cue.start, cue.end = max(0.0, cue.start + params["offset"]), cue.end + params["offset"]
            cues = [c for c in cues if c.end > 0]
        else:
            cues = cues_from_timings(value, rules, params["offset"])
        targets = {name: ctx.resolve_path(params[name]) for name in _WRITERS if params[name]}
        for path in targets.values():  # all checked before either file is written
            if not path.parent.is_dir():
                raise NodeExecutionError(f"cannot write {path}: the folder {path.parent} does not exist")
            claim_file(ctx, path)
        written = []
        for name, path in targets.items():
            text = _WRITERS[name][1](cues)
            if name == "vtt_path":
                text = text.replace("WEBVTT\n\n", f"WEBVTT\n\nNOTE {TEXT_MARK}\n\n", 1)
            try:
                atomic_write_text(path, text)
                if name == "srt_path":
                    write_sidecar(path)
            except OSError as exc:
                raise NodeExecutionError(f"cannot write {path}: {exc.strerror or exc}. Choose another folder.") from exc
            written.append({"path": str(path), "fingerprint": file_fingerprint(path)})
        return {"subtitles": {"cues": [c.as_json() for c in cues], "written": written}}

    def cache_is_current(self, outputs, params, ctx):
        # A cached run is only good if the files it wrote are still there, unchanged.
        wanted = sorted(str(ctx.resolve_path(params[n])) for n in _WRITERS if params[n])
        written = outputs["subtitles"].get("written", [])
        return (sorted(w["path"] for w in written) == wanted
                and all(file_fingerprint(w["path"]) == w["fingerprint"] for w in written))


class BurnSubtitles(NodeType):
    schema = NodeSchema(
        type_id="sound.burn_subtitles", title="Burn Subtitles", category="Sound", cache_outputs=False,
        inputs=(Port("frames", FRAMES, help="The shot to draw on."),
                Port("subtitles", SUBTITLES, help="Cues from a Subtitles node, or timings from a Voice node.")),
        outputs=(Port("frames", FRAMES),),
        params=(
            FloatParam("size", 5.0, min=1.0, max=20.0, step=0.5, help="Text height in % of the picture height."),
            EnumParam("style", "box", STYLES, help="A dark box behind the text, or a soft shadow under it."),
            PathParam("font", "", file_filter="Fonts (*.ttf *.otf)", help="A TrueType/OpenType font; empty: built-in."),
        ),
        help="Draws subtitle cues onto a shot, bottom-centred inside the title-safe area.",
    )

    def execute(self, ctx, inputs, params):
        shot = inputs["frames"]
        cues = cues_from_value(inputs["subtitles"])
        burner = SubtitleBurner(cues, shot.fps, shot.width, shot.height, params["size"], params["style"],
                                params["font"] and str(ctx.resolve_path(params["font"])))
        if cues:
            try:  # load the font now, so a bad font fails the node rather than the first frame
                burner.layout(cues[0].text)
            except ValueError as exc:
                raise NodeExecutionError(str(exc)) from exc
        return {"frames": MapClip(shot, burner.over)}
