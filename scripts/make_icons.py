"""Draw Pitbox's home-screen icons (a chequered flag on the theme's orange) as PNG files.

Run once after changing the design; the PNGs are committed under ui/static/icons/:

    .venv/bin/python scripts/make_icons.py

Plain Python (zlib and struct): no imaging library needed. Each pixel is the average of a
4 x 4 grid of samples, so edges are smooth.
"""

from __future__ import annotations

import math
import struct
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ui.theme import INK, PRIMARY  # noqa: E402

OUT = ROOT / "ui" / "static" / "icons"
SAMPLES = 4
WHITE = (255, 255, 255)


def rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


BACKGROUND, DARK = rgb(PRIMARY), rgb(INK)


def flag(u: float, v: float) -> tuple[int, int, int] | None:
    """The drawing in a unit box: a white pole and a waving flag of 4 x 3 squares."""
    if 0.17 <= u <= 0.25 and 0.14 <= v <= 0.88:
        return WHITE
    left, right, top, rows, cols = 0.25, 0.86, 0.17, 3, 4
    if not left <= u <= right:
        return None
    wave = 0.035 * math.sin(2 * math.pi * (u - left) / (right - left))
    y = v - top - wave
    height = 0.42
    border = 0.018
    if not -border <= y <= height + border:
        return None
    if y < 0 or y > height or u > right - border:
        return WHITE  # a thin white edge keeps the dark squares apart from the orange
    col = min(int((u - left) / ((right - left) / cols)), cols - 1)
    row = min(int(y / (height / rows)), rows - 1)
    return WHITE if (col + row) % 2 == 0 else DARK


def pixel(x: float, y: float, size: int, maskable: bool) -> tuple[int, int, int, int]:
    """The colour at (x, y) in pixels: RGBA, transparent outside the rounded square."""
    u, v = x / size, y / size
    if maskable:  # full bleed; the drawing inside the safe zone (a circle of 80 % diameter)
        scale, offset = 0.66, 0.17
    else:
        radius = 0.22
        cx, cy = min(max(u, radius), 1 - radius), min(max(v, radius), 1 - radius)
        if (u - cx) ** 2 + (v - cy) ** 2 > radius**2:
            return 0, 0, 0, 0
        scale, offset = 0.84, 0.08
    colour = flag((u - offset) / scale, (v - offset) / scale) or BACKGROUND
    return (*colour, 255)


def draw(size: int, maskable: bool) -> bytes:
    rows = []
    step = 1 / SAMPLES
    for py in range(size):
        row = bytearray([0])  # filter type: none
        for px in range(size):
            total = [0, 0, 0, 0]
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    r, g, b, a = pixel(px + (sx + 0.5) * step, py + (sy + 0.5) * step, size,
                                       maskable)  # fmt: skip
                    total[0] += r * a
                    total[1] += g * a
                    total[2] += b * a
                    total[3] += a
            alpha = total[3]
            if alpha:
                row += bytes(round(c / alpha) for c in total[:3])
            else:
                row += b"\0\0\0"
            row.append(round(alpha / SAMPLES**2))
        rows.append(bytes(row))
    return png(size, b"".join(rows))


def png(size: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


ICONS = {
    "icon-192.png": (192, False),
    "icon-512.png": (512, False),
    "icon-maskable-512.png": (512, True),
    "apple-touch-icon.png": (180, True),  # iOS rounds the corners itself; no transparency
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (size, maskable) in ICONS.items():
        (OUT / name).write_bytes(draw(size, maskable))
        print(f"wrote {OUT.relative_to(ROOT) / name} ({size} x {size})")


if __name__ == "__main__":
    main()
