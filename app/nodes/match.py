"""Shot matching: moves a shot's colour statistics onto a reference's, in Oklab (Reinhard-style transfer).

Mean and spread of lightness and of the two opponent-colour axes are measured once, over up to
`samples` evenly spaced frames of the shot (and of the reference shot, if one is linked), then every
frame is shifted and scaled so its statistics land on the reference's. Oklab is perceptually even,
so equal steps there look equal, and its axes are nearly independent (one scale per axis is enough).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from engine.color import import_colour
from engine.errors import NodeExecutionError
from engine.image import Image
from engine.media.clip import Clip, MapClip
from engine.media.colorspaces import WORKING_GAMUTS
from engine.media.lut import device
from engine.ports import FRAMES, GRADE, IMAGE
from engine.schema import FloatParam, IntParam, NodeSchema, NodeType, Port

if TYPE_CHECKING:  # annotations only: torch is imported where it runs
    import torch

MIN_SPREAD = 1e-4  # a flat channel (a single colour) is shifted, never scaled by a huge factor
STATISTICS_PIXELS = 1 << 18  # pixels per frame used for statistics; a uniform grid subsample


@lru_cache(maxsize=4)
def oklab_matrices(working: str) -> tuple[np.ndarray, np.ndarray]:
    """(working RGB -> LMS, cube-rooted LMS -> Oklab), from colour-science's Oklab definition."""
    colour = import_colour()
    oklab = colour.models.oklab
    rgb_to_xyz = colour.RGB_COLOURSPACES[WORKING_GAMUTS[working]].matrix_RGB_to_XYZ
    return oklab.MATRIX_1_XYZ_TO_LMS @ rgb_to_xyz, np.asarray(oklab.MATRIX_2_LMS_TO_LAB)


def rgb_to_oklab(rgb: torch.Tensor, working: str) -> torch.Tensor:
    import torch

    to_lms, to_lab = (torch.as_tensor(m, dtype=rgb.dtype, device=rgb.device) for m in oklab_matrices(working))
    lms = rgb @ to_lms.T
    lms = torch.sign(lms) * lms.abs().pow(1 / 3)  # the signed cube root keeps out-of-gamut colours invertible
    return lms @ to_lab.T


def oklab_to_rgb(lab: torch.Tensor, working: str) -> torch.Tensor:
    import torch

    to_lms, to_lab = (torch.as_tensor(np.linalg.inv(m), dtype=lab.dtype, device=lab.device)
                      for m in oklab_matrices(working))
    return (lab @ to_lab.T).pow(3) @ to_lms.T


def _subsample(pixels: np.ndarray) -> np.ndarray:
    step = max(1, int(np.sqrt(pixels.shape[0] * pixels.shape[1] / STATISTICS_PIXELS)))
    return np.ascontiguousarray(pixels[::step, ::step, :3], dtype=np.float32).reshape(-1, 3)


def sample_indices(frame_count: int, samples: int) -> list[int]:
    """Up to `samples` evenly spaced frame indices, including the first and the last."""
    return sorted({round(i) for i in np.linspace(0, frame_count - 1, min(samples, frame_count))})


def statistics(pictures: list[np.ndarray], working: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-axis mean and standard deviation in Oklab of the pixels of all the pictures together."""
    import torch

    lab = rgb_to_oklab(torch.from_numpy(np.concatenate([_subsample(p) for p in pictures])).double(), working)
    return lab.mean(0).numpy(), lab.std(0).numpy()


def transfer_function(source: tuple, reference: tuple, strength: float, working: str):
    """The per-frame transform: Oklab values moved from the source statistics toward the reference's."""
    import torch

    (source_mean, source_std), (reference_mean, reference_std) = source, reference
    scale = np.where(source_std > MIN_SPREAD, reference_std / np.maximum(source_std, MIN_SPREAD), 1.0)
    # lab' = lab + strength * ((lab - mean_s) * scale + mean_r - lab), as one affine step per axis.
    gain = 1.0 + strength * (scale - 1.0)
    offset = strength * (reference_mean - source_mean * scale)
    on = device()

    def apply(pixels: np.ndarray) -> np.ndarray:
        rgb = torch.from_numpy(np.require(pixels[..., :3], np.float32, ["C", "W"])).to(on)
        lab = rgb_to_oklab(rgb, working)
        lab = lab * torch.as_tensor(gain, dtype=lab.dtype, device=on) + torch.as_tensor(offset, dtype=lab.dtype,
                                                                                         device=on)
        out = oklab_to_rgb(lab, working).cpu().numpy().astype(np.float32, copy=False)
        if pixels.shape[-1] == 4:
            out = np.concatenate([out, pixels[..., 3:]], axis=-1)
        return out

    return apply, {"gain": gain.tolist(), "offset": offset.tolist()}


class Match(NodeType):
    schema = NodeSchema(
        type_id="color.match", title="Match Shot", category="Color", cache_outputs=False, before_input="frames",
        inputs=(Port("frames", FRAMES, help="The shot to correct."),
                Port("reference", IMAGE, optional=True, help="A still whose colour the shot should take on."),
                Port("reference_shot", FRAMES, optional=True,
                     help="Or a reference shot (sampled at a few frames); used together with a still if both.")),
        outputs=(Port("frames", FRAMES, help="The matched shot."),
                 Port("grade", GRADE, help="The match as data: statistics and the per-axis Oklab gain/offset.")),
        params=(FloatParam("strength", 1.0, min=0.0, max=1.0, step=0.05,
                           help="0 leaves the shot as it is, 1 matches the reference fully."),
                IntParam("samples", 8, min=1, max=64, help="Frames of each shot measured for its statistics.")),
        help="Matches a shot's colour and contrast to a reference still or shot (mean and spread in Oklab).",
    )

    def execute(self, ctx, inputs, params):
        clip: Clip = inputs["frames"]
        still: Image | None = inputs["reference"]
        reference_shot: Clip | None = inputs["reference_shot"]
        if still is None and reference_shot is None:
            raise NodeExecutionError("Match Shot needs a reference: link a still to 'reference' or a shot to "
                                     "'reference_shot'")
        if clip.frame_count == 0:
            raise NodeExecutionError("the shot to match has no frames")
        working = clip.color_space
        references = []
        if still is not None:
            references.append(_colour_convert(still.pixels, still.color_space, working))
        if reference_shot is not None:
            references += [_colour_convert(reference_shot.frame(i), reference_shot.color_space, working)
                           for i in sample_indices(reference_shot.frame_count, params["samples"])]
        if not references:
            raise NodeExecutionError("the reference shot has no frames")
        ctx.progress(0.3, "measuring the shot")
        source = statistics([clip.frame(i) for i in sample_indices(clip.frame_count, params["samples"])], working)
        reference = statistics(references, working)
        apply, coefficients = transfer_function(source, reference, params["strength"], working)
        grade = {"kind": "match", "space": "Oklab", "working_space": working, "strength": params["strength"],
                 "source_mean": source[0].tolist(), "source_std": source[1].tolist(),
                 "reference_mean": reference[0].tolist(), "reference_std": reference[1].tolist(), **coefficients}
        return {"frames": MapClip(clip, lambda frame, index: apply(frame), constant_over_time=True), "grade": grade}


def _colour_convert(pixels: np.ndarray, source: str, target: str) -> np.ndarray:
    from engine.media.colorspaces import convert_working

    return convert_working(np.asarray(pixels[..., :3], np.float32), source, target)
