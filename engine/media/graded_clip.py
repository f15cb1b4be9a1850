"""A Grade's output clip: its frames graded as they stream, and the grade itself kept as data.

Keeping the grade beside the frames lets an 8-bit export fold it into its own last pass (the
output transform, engine.media.signal_lut) instead of grading every frame separately; any other
consumer just reads graded frames.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .clip import Clip, MapClip
from .grade_math import Grading


class GradedClip(MapClip):
    """`grader` applied to each frame of `source`; `grading` is the same grade as operations."""

    def __init__(self, source: Clip, grader: Callable[[np.ndarray], np.ndarray], grading: Grading):
        super().__init__(source, lambda frame, index: grader(frame), constant_over_time=True)
        self.grader, self.grading = grader, grading
