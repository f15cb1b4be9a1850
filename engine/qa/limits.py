"""The thresholds of the quality checks, each with the reason for its value.

Picture levels are display-referred luma 0..1 (Rec.709 weights, a 2.4 gamma: engine.qa.picture),
so they mean what a viewer sees whatever the working space.
"""

from __future__ import annotations

# -- picture ---------------------------------------------------------------------------------
MEASURE_WIDTH = 160  # frames are read on a grid this many pixels wide: stretches, not details, are sought
BLACK_PIXEL = 0.10  # ffmpeg blackdetect's default pixel threshold: darker than this reads as black
BLACK_VISIBLE = 0.001  # a frame is black when fewer than 0.1 % of its pixels are brighter (a title card's text is more)
BLACK_MIN_SECONDS = 1.0  # a second of unplanned black is seen as a drop-out; a fade's last frames are shorter
FROZEN_DIFF = 0.002  # no pixel of the grid changed by half an 8-bit step: nothing visible moved
FROZEN_MIN_SECONDS = 0.5  # half a second of a moving shot standing still reads as a stall, not a pause
FLICKER_STEP = 0.02  # a frame-to-frame change of the mean level of 2 % (5 8-bit steps) is visible
FLICKER_MIN_REVERSALS = 3  # up-down-up-down: one reversal is a flash or a one-frame shot, three are flicker
FLICKER_GAP_FRAMES = 2  # reversals closer than this belong to one flickering stretch
CLIPPED_PIXEL = 0.995  # display luma at (or within half a percent of) white: detail is gone
OVEREXPOSED_FRACTION = 0.25  # a quarter of the picture burnt to white is overexposure, not a highlight
EXPOSURE_MIN_SECONDS = 0.5  # a flash of light shorter than this is an effect
UNDEREXPOSED_MEAN = 0.05  # a whole shot darker on average than this (and not black) shows no picture on a TV
DURATION_TOLERANCE_FRAMES = 0  # a shot is exactly as long as its Scene asks: every frame is paid for

# -- sound -----------------------------------------------------------------------------------
LOUDNESS_TOLERANCE_LU = 1.0  # EBU R128 allows ±1 LU where the target cannot be met exactly (R128 s. 2.3)
DEFAULT_TARGET_LUFS = -23.0  # EBU R128, the Mix's own default target
DEFAULT_TRUE_PEAK_DBTP = -1.0  # EBU R128's maximum true-peak level, the Mix's default ceiling
CLIP_LEVEL = 0.999  # a sample at -0.01 dBFS or beyond is at full scale
CLIP_MIN_RUN = 3  # three full-scale samples in a row are a flattened wave top, not one loud peak
CLIP_JOIN_SECONDS = 0.1  # clipped samples closer than this are one clipped stretch
SILENCE_DB = -60.0  # a dialogue stretch quieter than this (RMS, dBFS) is silence: the voice is missing
VOICE_PROBE_SECONDS = 1.0  # how much of a line is listened to when its length is not known before it is made
AV_TOLERANCE_FRAMES = 1  # sound and picture may differ by less than one frame (the mux cuts to the frame)
