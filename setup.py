"""The compiled parts: the export's colour-table kernel (engine/media/signal_kernel.c), the camera's
bilinear resample without roll (engine/media/warp_kernel.c) and a flow in-between's blend and weights
(engine/media/flow_kernel.c).

Optional: where no C compiler is found, pip installs everything else; the export then applies its
tables through OpenColorIO, to the same bits, the camera resamples through OpenCV, to within
rounding, and in-betweens are made with numpy and OpenCV (over 75 dB of the kernel's), each a few
milliseconds a frame slower (tens for an in-between). The rest of the project's metadata is in
pyproject.toml.
"""

import sys

from setuptools import Extension, setup

# -ffp-contract=off: no fused multiply-adds, so every CPU gets the same bits (see the C file).
# -fno-math-errno and -fno-trapping-math: sqrtf is then one instruction and the comparisons are
# selects, which the compiler can vectorise (neither changes a result).
flags = [] if sys.platform == "win32" else ["-O3", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math"]

setup(ext_modules=[Extension(f"engine.media._{name}", [f"engine/media/{name}.c"], extra_compile_args=flags,
                             depends=["engine/media/kernel_isa.h"], optional=True)
                   for name in ("signal_kernel", "warp_kernel", "flow_kernel")])
