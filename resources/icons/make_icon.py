"""Draw the AIPROD Studio application icon with Pillow.

A dark rounded square holding a film frame (teal, with sprocket holes) around a small node
graph: two inputs wired into an orange output node.

    .venv/bin/python resources/icons/make_icon.py

Writes, next to this script, what Briefcase looks for with icon = "resources/icons/aiprod":
aiprod-<size>.png for 16..512 (Linux), aiprod.ico (Windows), aiprod.icns (macOS), and
aiprod.png (256 px) for the app window and docs.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageChops, ImageDraw

HERE = Path(__file__).resolve().parent
NAME = "aiprod"
PNG_SIZES = (16, 32, 64, 128, 256, 512)
MASTER = 1024  # design grid; drawn SUPERSAMPLE times larger, then reduced for smooth edges
SUPERSAMPLE = 2

BG_TOP = (38, 44, 58)
BG_BOTTOM = (14, 16, 22)
EDGE = (64, 74, 94)
TEAL = (46, 196, 182)
TEAL_DIM = (32, 128, 122)
ORANGE = (255, 138, 61)
WIRE = (176, 192, 210)
NODE_FILL = (232, 244, 242)


def vertical_gradient(size: int, top: tuple, bottom: tuple) -> Image.Image:
    column = Image.new("RGB", (1, 256))
    for y in range(256):
        t = y / 255
        column.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom)))
    return column.resize((size, size), Image.BILINEAR)


def bezier(p0, p1, p2, p3, steps: int = 64) -> list[tuple[float, float]]:
    points = []
    for i in range(steps + 1):
        t = i / steps
        u = 1 - t
        points.append((u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                       u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1]))
    return points


def draw_icon(detailed: bool = True) -> Image.Image:
    """The icon at MASTER * SUPERSAMPLE pixels; `detailed=False` drops fine detail for tiny sizes."""
    k = SUPERSAMPLE
    size = MASTER * k

    def s(*values: float):
        return [v * k for v in values]

    # Rounded dark square with a soft vertical gradient and a thin lighter edge.
    margin, radius = 40, 196
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).rounded_rectangle(s(margin, margin, MASTER - margin, MASTER - margin),
                                           radius=radius * k, fill=255)
    icon = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    icon.paste(vertical_gradient(size, BG_TOP, BG_BOTTOM), (0, 0), mask)
    draw = ImageDraw.Draw(icon)
    draw.rounded_rectangle(s(margin, margin, MASTER - margin, MASTER - margin), radius=radius * k,
                           outline=EDGE, width=(6 if detailed else 10) * k)

    # The film frame, with sprocket holes above and below it.
    frame = (176, 262, 848, 762)
    draw.rounded_rectangle(s(*frame), radius=56 * k, outline=TEAL, width=(30 if detailed else 52) * k)
    if detailed:
        holes = 6
        span = frame[2] - frame[0] - 120
        for i in range(holes):
            x = frame[0] + 60 + span * i / (holes - 1)
            for y in (196, 796):
                draw.rounded_rectangle(s(x - 26, y - 20, x + 26, y + 20), radius=10 * k, fill=TEAL_DIM)

    # A tiny node graph inside the frame: two inputs wired into an orange output.
    r = 50 if detailed else 72
    inputs = [(352, 400), (352, 624)] if detailed else [(360, 404), (360, 620)]
    output = (680, 512)
    wire_width = (20 if detailed else 36) * k
    ro = r + (10 if detailed else 8)  # the output node is a little larger
    for node in inputs:
        # Wires end under the output node, so their meeting point is hidden by it.
        start, end = (node[0] + r, node[1]), (output[0] - ro // 2, output[1])
        mid = (start[0] + end[0]) / 2
        curve = bezier(start, (mid, start[1]), (mid, end[1]), end)
        draw.line([(x * k, y * k) for x, y in curve], fill=WIRE, width=wire_width, joint="curve")
    for x, y in inputs:
        draw.ellipse(s(x - r, y - r, x + r, y + r), fill=NODE_FILL, outline=TEAL, width=(14 if detailed else 20) * k)
    x, y = output
    draw.ellipse(s(x - ro, y - ro, x + ro, y + ro), fill=ORANGE)
    if detailed:  # a dark "play" notch: the output is a rendered shot
        draw.polygon(s(x - 18, y - 26, x - 18, y + 26, x + 26, y), fill=BG_BOTTOM)

    # Keep everything inside the rounded square (the strokes are already, this is a guard).
    alpha = ImageChops.multiply(icon.getchannel("A"), mask)
    icon.putalpha(alpha)
    return icon


def main() -> None:
    detailed = draw_icon(detailed=True)
    simple = draw_icon(detailed=False)
    pngs = {}
    for px in PNG_SIZES:
        source = detailed if px >= 64 else simple
        pngs[px] = source.resize((px, px), Image.LANCZOS)
        pngs[px].save(HERE / f"{NAME}-{px}.png", optimize=True)
    pngs[256].save(HERE / f"{NAME}.png", optimize=True)
    big = detailed.resize((1024, 1024), Image.LANCZOS)
    big.save(HERE / f"{NAME}.ico", sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)])
    big.save(HERE / f"{NAME}.icns")
    written = [f"{NAME}-{px}.png" for px in PNG_SIZES] + [f"{NAME}.png", f"{NAME}.ico", f"{NAME}.icns"]
    print("wrote", ", ".join(written), "in", HERE)


if __name__ == "__main__":
    main()
