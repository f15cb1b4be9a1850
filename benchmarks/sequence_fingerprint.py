"""What keying an image sequence by its frames' content costs, against keying it by file times.

    .venv/bin/python benchmarks/sequence_fingerprint.py [--frames N] [--megabytes M]

Writes N frame files of M MB (default 240 of 12 MB: ten seconds of 2K DPX) and takes the sequence's
fingerprint (engine.media.image_sequence.sequence_fingerprint) three ways:
  `first_s`: the first time, every frame read (its size and three 1 MiB samples) and its digest kept
             in the render cache's index; what a new or copied plate costs once. The files were just
             written, so they are in the page cache: a cold disk adds its read time for 3 MiB a frame.
  `again_s`: as a new process takes it (the in-process memo emptied): stats and index lookups only;
             what every later render pays.
  `memo_s`:  again in the same process (the editor's previews, a second render in one process).
  peer `file_times_s`: the old key, a hash of each frame's name, size and modification time.
`again_over_file_times` is the ratio a render pays now against before (target <= 10: tens of
milliseconds for thousands of frames). Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import engine.fingerprint as fingerprint  # noqa: E402
from engine.cache import DiskCache  # noqa: E402
from engine.media.image_sequence import sequence_fingerprint  # noqa: E402


def by_file_times(files: list[Path]) -> str:
    """The key before content digests: names, sizes and modification times."""
    digest = hashlib.blake2b(digest_size=16)
    for file in files:
        st = file.stat()
        digest.update(f"{file.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=240)
    parser.add_argument("--megabytes", type=float, default=12.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        plates = Path(tmp, "plates")
        plates.mkdir()
        size = int(args.megabytes * 1e6)
        files = []
        for number in range(args.frames):
            files.append(plates / f"plate.{number:05d}.dpx")
            files[-1].write_bytes(os.urandom(size))
        cache = DiskCache(Path(tmp, "cache"))
        first_s = timed(lambda: sequence_fingerprint(files))
        fingerprint._identity_memo.clear()  # as a new process starts: only the cache's index knows
        again_s = timed(lambda: sequence_fingerprint(files))
        memo_s = timed(lambda: sequence_fingerprint(files))
        file_times_s = min(timed(lambda: by_file_times(files)) for _ in range(3))
        cache.close()
    result = {"frames": args.frames, "frame_mb": args.megabytes, "first_s": round(first_s, 3),
              "first_mb_per_s": round(args.frames * min(size, 3 << 20) / 1e6 / first_s, 1),
              "again_s": round(again_s, 4), "memo_s": round(memo_s, 4), "file_times_s": round(file_times_s, 4),
              "again_over_file_times": round(again_s / file_times_s, 1), "target_again_over_file_times": 10}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
