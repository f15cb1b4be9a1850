"""The delivery formats Export offers: codec, pixel format, options, containers and bit depth of each.

One table, so adding a format is one entry here; the Export node and the encoder read only this.

Sound goes with the picture as AAC for the distribution codecs (H.264, H.265, VP9, AV1 in MP4,
MOV or Matroska), as Opus in WebM (WebM holds only Opus or Vorbis, never AAC), and as 24-bit PCM
beside the mastering codecs (ProRes, DNxHR), whose users expect uncompressed sound; image
sequences get the same 24-bit PCM as a WAV beside the frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ExportFormat:
    id: str  # what a project file saves; stable forever
    name: str  # what the user reads (the Export menu, messages); may be reworded
    codec: str  # FFmpeg encoder name
    pix_fmt: str  # what the encoder is fed (swscale converts the rgb48 signal to it)
    bit_depth: int
    extensions: tuple[str, ...]  # containers (video) or frame file types (sequences) it can go in
    options: dict[str, str] = field(default_factory=dict)
    quality_option: str | None = None  # the encoder option the quality (CRF) parameter sets
    quality_range: tuple[int, int] = (0, 51)
    alpha: bool = False  # carries the clip's alpha channel
    sequence: bool = False  # one image file per frame rather than one movie file
    is_yuv: bool = True
    codec_tags: dict[str, str] = field(default_factory=dict)  # per container: e.g. "hvc1" so Apple players open H.265
    size_rule: str = ""  # "" (any), "even" (4:2:0 / 4:2:2 chroma) or "dnxhr" (see size_problem)
    # Process environment the encoder library reads when it starts (SVT-AV1 takes its log level only so).
    environment: dict[str, str] = field(default_factory=dict)
    audio_codec: str = "aac"  # FFmpeg encoder of the soundtrack (see audio_codec_for for WebM)

    @property
    def is_hdr_capable(self) -> bool:
        """PQ and HLG need 10 bits or more: 8-bit HDR bands visibly."""
        return self.bit_depth >= 10


FORMATS: dict[str, ExportFormat] = {f.id: f for f in (
    ExportFormat("h264", "H.264 (yuv420p)", "libx264", "yuv420p", 8, (".mp4", ".mov", ".mkv"),
                 {"preset": "medium"}, quality_option="crf", size_rule="even"),
    ExportFormat("h265_10bit", "H.265 10-bit", "libx265", "yuv420p10le", 10, (".mp4", ".mov", ".mkv"),
                 {"preset": "medium", "x265-params": "log-level=error"}, quality_option="crf",
                 codec_tags={".mp4": "hvc1", ".mov": "hvc1"}, size_rule="even"),
    ExportFormat("prores_422_hq", "ProRes 422 HQ", "prores_ks", "yuv422p10le", 10, (".mov",),
                 {"profile": "3", "vendor": "apl0"}, size_rule="even", audio_codec="pcm_s24le"),
    ExportFormat("prores_4444", "ProRes 4444 (10-bit)", "prores_ks", "yuva444p10le", 10, (".mov",),
                 {"profile": "4", "vendor": "apl0"}, alpha=True, audio_codec="pcm_s24le"),
    ExportFormat("dnxhr_hq", "DNxHR HQ", "dnxhd", "yuv422p", 8, (".mov", ".mxf"), {"profile": "dnxhr_hq"}, size_rule="dnxhr",
                 audio_codec="pcm_s24le"),
    ExportFormat("dnxhr_hqx", "DNxHR HQX", "dnxhd", "yuv422p10le", 10, (".mov", ".mxf"), {"profile": "dnxhr_hqx"},
                 size_rule="dnxhr", audio_codec="pcm_s24le"),
    ExportFormat("vp9", "VP9", "libvpx-vp9", "yuv420p", 8, (".webm", ".mkv"),
                 {"b": "0", "row-mt": "1", "deadline": "good", "cpu-used": "2"}, quality_option="crf",
                 quality_range=(0, 63), size_rule="even"),
    ExportFormat("av1_svt", "AV1 (SVT)", "libsvtav1", "yuv420p10le", 10, (".mp4", ".mkv", ".webm"),
                 {"preset": "8"}, quality_option="crf", quality_range=(1, 63), size_rule="even",
                 environment={"SVT_LOG": "1"}),  # errors only: its info and warnings flood the console
    ExportFormat("exr_sequence", "EXR sequence", "exr", "gbrpf32le", 16, (".exr",), {"compression": "zip1"}, alpha=True,
                 sequence=True, is_yuv=False, audio_codec="pcm_s24le"),
    ExportFormat("dpx_sequence", "DPX sequence", "dpx", "gbrp10le", 10, (".dpx",), sequence=True, is_yuv=False,
                 audio_codec="pcm_s24le"),
    ExportFormat("png_sequence", "PNG sequence", "png", "rgb48be", 16, (".png",), alpha=True, sequence=True, is_yuv=False,
                 audio_codec="pcm_s24le"),
)}
FORMAT_CHOICES = tuple((f.id, f.name) for f in FORMATS.values())  # (id, label) for the Export node
# The labels older projects saved as the format (before ids), loaded as these ids. Frozen: rewording
# a format's name above must never change this table.
FORMAT_RENAMED = {
    "H.264 (yuv420p)": "h264",
    "H.265 10-bit": "h265_10bit",
    "ProRes 422 HQ": "prores_422_hq",
    "ProRes 4444 (10-bit)": "prores_4444",
    "DNxHR HQ": "dnxhr_hq",
    "DNxHR HQX": "dnxhr_hqx",
    "VP9": "vp9",
    "AV1 (SVT)": "av1_svt",
    "EXR sequence": "exr_sequence",
    "DPX sequence": "dpx_sequence",
    "PNG sequence": "png_sequence",
}


def size_problem(fmt: ExportFormat, width: int, height: int) -> str | None:
    """Why `fmt` cannot encode a width x height picture, or None if it can."""
    if fmt.size_rule in ("even", "dnxhr") and (width % 2 or height % 2):
        return (f"{fmt.name} needs an even width and height (its colour is stored at half resolution); "
                f"the clip is {width}x{height}. Crop or scale it by a pixel first.")
    if fmt.size_rule == "dnxhr" and (width < 256 or height < 120):
        return (f"{fmt.name} needs a picture of at least 256x120; the clip is {width}x{height}. "
                "Scale it up or choose ProRes.")
    return None


def extension_problem(fmt: ExportFormat, suffix: str) -> str | None:
    """Why a file ending in `suffix` cannot hold `fmt`, or None if it can."""
    if suffix.lower() in fmt.extensions:
        return None
    if fmt.sequence:
        return (f"{fmt.name} writes {fmt.extensions[0]} frames; the path ends in {suffix or '(no extension)'!r}. "
                f"Give a folder or a pattern such as render/shot_%04d{fmt.extensions[0]}.")
    return (f"{fmt.name} cannot be written to a {suffix or '(no extension)'!r} file; "
            f"use {' or '.join(fmt.extensions)}.")


# Containers that cannot hold a format's usual sound codec, and what they take instead.
_AUDIO_BY_CONTAINER = {".webm": "libopus"}  # WebM's audio is Opus or Vorbis only: no AAC, no PCM


def audio_codec_for(fmt: ExportFormat, suffix: str) -> str:
    """The FFmpeg encoder of the soundtrack of `fmt` written to a `suffix` file (a sidecar WAV for sequences)."""
    return _AUDIO_BY_CONTAINER.get(suffix.lower(), fmt.audio_codec)
