"""What checking cached files on read costs: a 720p shot's frames read back with and without the hash check.

Stores a shot of 720p float16 frames through the real DiskCache, then reads every frame back
through the cache's checked reader (size + xxh3 of the very bytes decoded) and, as the peer, with
a plain np.load of the same files; both warm (in the page cache), alternating, median of runs.
`verify_ms_per_gb` is the extra time the check adds per GB read; the target is that checking the
sample's cached shots costs under 10 % of a warm re-render of the sample (~30 s on 2 cores).
Last line: one JSON object.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.cache import DiskCache  # noqa: E402
from engine.media.clip import ClipInfo, FunctionClip  # noqa: E402
from engine.ports import FRAMES  # noqa: E402

FRAMES_IN_SHOT = 96
WIDTH, HEIGHT = 1280, 720
RUNS = 5
SAMPLE_WARM_RERENDER_S = 30.0  # the sample's export with its cached shot, 2 cores (PERFORMANCE.md)


def main() -> None:
    rng = np.random.default_rng(0)
    frame = rng.random((HEIGHT, WIDTH, 3), dtype=np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        cache = DiskCache(tmp)
        clip = FunctionClip(ClipInfo(WIDTH, HEIGHT, 24, FRAMES_IN_SHOT), lambda i: frame)
        started = time.perf_counter()
        cache.store("b" * 40, {"frames": clip}, {"frames": FRAMES})
        store_s = time.perf_counter() - started
        names = sorted(p for p in cache._files("b" * 40).glob("*.npy"))
        total_bytes = sum(p.stat().st_size for p in names)

        def checked() -> float:
            started = time.perf_counter()
            shot = cache.load("b" * 40, {"frames": FRAMES})["frames"]
            for index in range(shot.frame_count):
                shot.frame(index)
            return time.perf_counter() - started

        def plain() -> float:
            started = time.perf_counter()
            for path in names:
                np.load(path, allow_pickle=False).astype(np.float32)
            return time.perf_counter() - started

        checked(), plain()  # warm the page cache
        checked_s, plain_s = [], []
        for _ in range(RUNS):
            checked_s.append(checked())
            plain_s.append(plain())
    gb = total_bytes / 1e9
    with_check, without = statistics.median(checked_s), statistics.median(plain_s)
    verify_ms_per_gb = max(with_check - without, 0.0) / gb * 1000
    sample_gb = 0.53  # the Lake shot, the sample's one cached shot (~5.5 MB a 720p frame)
    print(f"{FRAMES_IN_SHOT} frames, {total_bytes / 1e6:.0f} MB: checked {with_check:.3f} s, plain {without:.3f} s, "
          f"store {store_s:.2f} s")
    print(json.dumps({
        "frames": FRAMES_IN_SHOT, "mb": round(total_bytes / 1e6, 1),
        "read_mb_s_verified": round(total_bytes / 1e6 / with_check, 1),
        "read_mb_s_unverified": round(total_bytes / 1e6 / without, 1),
        "verify_ms_per_gb": round(verify_ms_per_gb, 1),
        "verified_over_plain": round(with_check / without, 3),
        "store_mb_s": round(total_bytes / 1e6 / store_s, 1),
        "sample_verify_share_of_warm_rerender": round(verify_ms_per_gb * sample_gb / 1000 / SAMPLE_WARM_RERENDER_S, 4),
        "target_share": 0.10,
    }))


if __name__ == "__main__":
    main()
