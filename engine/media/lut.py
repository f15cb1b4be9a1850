""".cube LUT files (1D and 3D, Resolve/Adobe dialect) read and written exactly, and applied in torch.

3D LUTs use tetrahedral interpolation (the standard in graders: exact on the neutral axis, no
trilinear colour shifts); 1D LUTs interpolate linearly per channel. Both run vectorised on CUDA
when torch sees a GPU, else on the CPU. Inputs outside the domain are clamped to its edges.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # annotations only: torch is imported where it runs
    import torch

MAX_3D_SIZE = 256
MAX_1D_SIZE = 65536


@dataclass(frozen=True, eq=False)
class Lut:
    """A 1D table (N x 3) or a 3D table (N x N x N x 3, indexed [r, g, b]) over [domain_min, domain_max]."""

    table: np.ndarray = field(repr=False)
    domain_min: tuple[float, float, float] = (0.0, 0.0, 0.0)
    domain_max: tuple[float, float, float] = (1.0, 1.0, 1.0)
    title: str = ""
    comments: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        table = np.ascontiguousarray(self.table, dtype=np.float32)
        if table.ndim not in (2, 4) or table.shape[-1] != 3 or (table.ndim == 4 and len(set(table.shape[:3])) != 1):
            raise ValueError(f"a LUT table must be N x 3 (1D) or N x N x N x 3 (3D), got shape {table.shape}")
        if table.shape[0] < 2:
            raise ValueError(f"a LUT needs at least 2 entries per axis, got {table.shape[0]}")
        if not np.all(np.isfinite(table)):
            raise ValueError("a LUT table must hold finite numbers only")
        if any(hi <= lo for lo, hi in zip(self.domain_min, self.domain_max)):
            raise ValueError(f"LUT domain max {self.domain_max} must exceed domain min {self.domain_min}")
        object.__setattr__(self, "table", table)
        object.__setattr__(self, "domain_min", tuple(float(v) for v in self.domain_min))
        object.__setattr__(self, "domain_max", tuple(float(v) for v in self.domain_max))

    @property
    def is_3d(self) -> bool:
        return self.table.ndim == 4

    @property
    def size(self) -> int:
        return int(self.table.shape[0])

    def is_identity(self, tolerance: float = 1e-6) -> bool:
        reference = identity_lut(self.size, self.is_3d, self.domain_min, self.domain_max).table
        return bool(np.max(np.abs(self.table - reference)) <= tolerance)


def identity_lut(size: int, three_d: bool = True, domain_min=(0.0, 0.0, 0.0), domain_max=(1.0, 1.0, 1.0)) -> Lut:
    axes = [np.linspace(lo, hi, size, dtype=np.float64) for lo, hi in zip(domain_min, domain_max)]
    if not three_d:
        return Lut(np.stack(axes, axis=-1), domain_min, domain_max)
    r, g, b = np.meshgrid(*axes, indexing="ij")
    return Lut(np.stack([r, g, b], axis=-1), domain_min, domain_max)


# ---- reading and writing ------------------------------------------------------------------

def _floats(words: list[str], count: int, where: str) -> list[float]:
    if len(words) != count:
        raise ValueError(f"{where}: expected {count} numbers, found {len(words)}")
    try:
        return [float(w) for w in words]
    except ValueError:
        raise ValueError(f"{where}: {' '.join(words)!r} is not a list of numbers") from None


def _value_rows(rows: list[tuple[int, str]], name: str) -> np.ndarray:
    """N x 3 float32 from the value lines, converted in one go (a 65-point LUT has 274625 of them)."""
    try:
        values = np.array(" ".join(line for _, line in rows).split(), dtype=np.float64)
        return values.astype(np.float32).reshape(-1, 3)
    except ValueError:
        for number, line in rows:  # find the line at fault, for the message
            _floats(line.split(), 3, f"{name} line {number}")
        raise


def parse_cube(text: str, name: str = ".cube") -> Lut:
    """A LUT from .cube text; ValueError naming the line at fault otherwise."""
    title, size, three_d = "", None, None
    domain_min, domain_max = [0.0] * 3, [1.0] * 3
    rows: list[tuple[int, str]] = []  # (line number, text) of the value lines, converted at the end
    comments: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        where = f"{name} line {number}"
        if not line:
            continue
        if line.startswith("#"):
            comments.append(line[1:].strip())
            continue
        words = line.split()
        keyword = words[0].upper()
        if keyword == "TITLE":
            title = line[len(words[0]):].strip().strip('"')
        elif keyword in ("LUT_1D_SIZE", "LUT_3D_SIZE"):
            if size is not None:
                raise ValueError(f"{where}: a second size line; files mixing a 1D shaper and a 3D LUT are not "
                                 "supported, split them into two .cube files")
            three_d = keyword == "LUT_3D_SIZE"
            limit = MAX_3D_SIZE if three_d else MAX_1D_SIZE
            if len(words) != 2 or not words[1].isdigit() or not 2 <= int(words[1]) <= limit:
                raise ValueError(f"{where}: {keyword} must be a whole number from 2 to {limit}, got {line!r}")
            size = int(words[1])
        elif keyword in ("DOMAIN_MIN", "DOMAIN_MAX"):
            values = _floats(words[1:], 3, where)
            (domain_min if keyword == "DOMAIN_MIN" else domain_max)[:] = values
        elif keyword in ("LUT_1D_INPUT_RANGE", "LUT_3D_INPUT_RANGE"):
            low, high = _floats(words[1:], 2, where)
            domain_min[:], domain_max[:] = [low] * 3, [high] * 3
        elif keyword[0].isalpha():
            raise ValueError(f"{where}: unknown keyword {words[0]!r}; is this a .cube LUT file?")
        else:
            if len(words) != 3:
                raise ValueError(f"{where}: expected 3 numbers, found {len(words)}")
            rows.append((number, line))
    if size is None:
        raise ValueError(f"{name}: no LUT_3D_SIZE or LUT_1D_SIZE line; is this a .cube LUT file?")
    expected = size ** 3 if three_d else size
    if len(rows) != expected:
        kind = "3D" if three_d else "1D"
        raise ValueError(f"{name}: a {kind} LUT of size {size} needs {expected} rows of values, found {len(rows)}; "
                         "the file is truncated or its size line is wrong")
    table = _value_rows(rows, name)
    if three_d:
        table = table.reshape(size, size, size, 3).transpose(2, 1, 0, 3)  # file order: red changes fastest
    try:
        return Lut(table, tuple(domain_min), tuple(domain_max), title, tuple(comments))
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def read_cube(path: str | Path) -> Lut:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="strict")
    except FileNotFoundError:
        raise ValueError(f"LUT file {path} does not exist; check the path") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a text .cube LUT file") from None
    return parse_cube(text, str(path))


def format_cube(lut: Lut, digits: int = 9) -> str:
    """.cube text; 9 significant digits round-trip every float32 exactly, 6 suit display LUTs (smaller)."""
    lines = [f"# {c}" for c in lut.comments]
    if lut.title:
        lines.append(f'TITLE "{lut.title}"')
    lines.append(f"LUT_{'3D' if lut.is_3d else '1D'}_SIZE {lut.size}")
    if lut.domain_min != (0.0,) * 3 or lut.domain_max != (1.0,) * 3:
        lines.append("DOMAIN_MIN " + " ".join(f"{v:.9g}" for v in lut.domain_min))
        lines.append("DOMAIN_MAX " + " ".join(f"{v:.9g}" for v in lut.domain_max))
    rows = lut.table.transpose(2, 1, 0, 3).reshape(-1, 3) if lut.is_3d else lut.table
    lines.extend(f"{r:.{digits}g} {g:.{digits}g} {b:.{digits}g}" for r, g, b in rows.tolist())
    return "\n".join(lines) + "\n"


def write_cube(path: str | Path, lut: Lut, digits: int = 9) -> None:
    Path(path).write_text(format_cube(lut, digits), encoding="utf-8")


# ---- applying -----------------------------------------------------------------------------

def device() -> torch.device:
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@lru_cache(maxsize=16)
def _cached_table(lut: Lut, where: str) -> torch.Tensor:
    import torch

    return torch.from_numpy(lut.table).to(where)


def lut_tensor(lut: Lut, on: torch.device) -> torch.Tensor:
    return _cached_table(lut, str(on))


def _to_unit(rgb: torch.Tensor, lut: Lut) -> torch.Tensor:
    import torch

    low = torch.tensor(lut.domain_min, dtype=rgb.dtype, device=rgb.device)
    high = torch.tensor(lut.domain_max, dtype=rgb.dtype, device=rgb.device)
    return ((rgb - low) / (high - low)).clamp_(0.0, 1.0)


def apply_lut3d(rgb: torch.Tensor, lut: Lut) -> torch.Tensor:
    """Tetrahedral interpolation of `rgb` (... x 3) through a 3D LUT."""
    import torch

    n = lut.size
    flat = lut_tensor(lut, rgb.device).reshape(-1, 3)
    shape = rgb.shape
    x = _to_unit(rgb.reshape(-1, 3), lut) * (n - 1)
    base_index = x.floor().clamp_(max=n - 2)
    frac = x - base_index
    base_index = base_index.long()
    strides = torch.tensor([n * n, n, 1], device=rgb.device)
    base = (base_index * strides).sum(-1)
    fr, fg, fb = frac.unbind(-1)
    # The cell is split into 6 tetrahedra by the order of the fractions; walk from the base corner
    # along the axis of the largest fraction, then the middle one, to the far corner.
    s_r, s_g, s_b = n * n, n, 1
    first_axis = torch.where((fr >= fg) & (fr >= fb), s_r, torch.where(fg >= fb, s_g, s_b))
    last_axis = torch.where((fb <= fg) & (fb <= fr), s_b, torch.where(fg <= fr, s_g, s_r))
    f1 = torch.maximum(torch.maximum(fr, fg), fb)
    f3 = torch.minimum(torch.minimum(fr, fg), fb)
    f2 = fr + fg + fb - f1 - f3
    out = flat[base] * (1.0 - f1).unsqueeze(-1)
    out += flat[base + first_axis] * (f1 - f2).unsqueeze(-1)
    out += flat[base + (s_r + s_g + s_b - last_axis)] * (f2 - f3).unsqueeze(-1)
    out += flat[base + (s_r + s_g + s_b)] * f3.unsqueeze(-1)
    return out.reshape(shape)


def apply_lut1d(rgb: torch.Tensor, lut: Lut) -> torch.Tensor:
    """Per-channel linear interpolation of `rgb` (... x 3) through a 1D LUT."""
    import torch

    n = lut.size
    table = lut_tensor(lut, rgb.device)
    x = _to_unit(rgb.reshape(-1, 3), lut) * (n - 1)
    index = x.floor().clamp_(max=n - 2)
    frac = x - index
    index = index.long()
    low = torch.gather(table, 0, index)
    high = torch.gather(table, 0, index + 1)
    return (low + (high - low) * frac).reshape(rgb.shape)


def apply_lut(rgb: torch.Tensor, lut: Lut) -> torch.Tensor:
    return apply_lut3d(rgb, lut) if lut.is_3d else apply_lut1d(rgb, lut)


def apply_lut_numpy(rgb: np.ndarray, lut: Lut) -> np.ndarray:
    """Convenience for arrays: float32 in, float32 out, computed on the best torch device."""
    import torch

    tensor = torch.from_numpy(np.require(rgb, np.float32, ["C", "W"])).to(device())
    return apply_lut(tensor, lut).cpu().numpy()
