#!/usr/bin/env python3
"""Draws icon.png (128x128 RGBA): a fan-out dataflow, one source feeding two functions.

Plain Python (zlib + struct), no imaging library: shapes are signed distance functions,
sampled 4x4 per pixel for anti-aliasing. Run from editors/vscode: python3 scripts/make-icon.py
"""

import math
import struct
import zlib

SIZE = 128
SS = 4  # samples per pixel along each axis


def rounded_rect(x, y, x0, y0, x1, y1, r):
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    hx, hy = (x1 - x0) / 2 - r, (y1 - y0) / 2 - r
    dx, dy = abs(x - cx) - hx, abs(y - cy) - hy
    outside = math.hypot(max(dx, 0), max(dy, 0))
    return outside + min(max(dx, dy), 0) - r


def circle(x, y, cx, cy, r):
    return math.hypot(x - cx, y - cy) - r


def segment(x, y, ax, ay, bx, by, w):
    px, py, vx, vy = x - ax, y - ay, bx - ax, by - ay
    t = max(0.0, min(1.0, (px * vx + py * vy) / (vx * vx + vy * vy)))
    return math.hypot(px - vx * t, py - vy * t) - w / 2


def triangle(x, y, a, b, c):
    def side(p, q):
        return (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0])

    s1, s2, s3 = side(a, b), side(b, c), side(c, a)
    inside = (s1 >= 0 and s2 >= 0 and s3 >= 0) or (s1 <= 0 and s2 <= 0 and s3 <= 0)
    return -1.0 if inside else 1.0


SOURCE = (32.0, 64.0)
SINKS = [(98.0, 34.0), (98.0, 94.0)]
NODE_R = 14.0
EDGE = (226, 232, 240)
ARROW = 9.0


def arrow_parts(a, b):
    """The shaft from a to b and the arrowhead's corners, stopping at b's node."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy)
    ux, uy = dx / length, dy / length
    tip = (b[0] - ux * (NODE_R + 3), b[1] - uy * (NODE_R + 3))
    base = (tip[0] - ux * ARROW * 1.6, tip[1] - uy * ARROW * 1.6)
    left = (base[0] - uy * ARROW, base[1] + ux * ARROW)
    right = (base[0] + uy * ARROW, base[1] - ux * ARROW)
    start = (a[0] + ux * NODE_R, a[1] + uy * NODE_R)
    return start, base, (tip, left, right)


ARROWS = [arrow_parts(SOURCE, s) for s in SINKS]


def sample(x, y):
    """The colour (r, g, b, a) at a point of the 128x128 canvas."""
    if rounded_rect(x, y, 4, 4, 124, 124, 26) > 0:
        return (0, 0, 0, 0)
    t = (x + y) / 256
    color = (int(18 + 20 * t), int(78 - 30 * t), int(110 + 40 * t), 255)
    for start, base, head in ARROWS:
        if segment(x, y, start[0], start[1], base[0], base[1], 6) <= 0 or triangle(x, y, *head) <= 0:
            color = (*EDGE, 255)
    for cx, cy in [SOURCE, *SINKS]:
        d = circle(x, y, cx, cy, NODE_R)
        if d <= 0:
            color = (251, 191, 36, 255) if d > -4.5 else (255, 255, 255, 255)
    return color


def render():
    rows = []
    for py in range(SIZE):
        row = bytearray([0])  # filter: none
        for px in range(SIZE):
            acc = [0, 0, 0, 0]
            for sy in range(SS):
                for sx in range(SS):
                    r, g, b, a = sample(px + (sx + 0.5) / SS, py + (sy + 0.5) / SS)
                    acc[0] += r * a
                    acc[1] += g * a
                    acc[2] += b * a
                    acc[3] += a
            alpha = acc[3] / (SS * SS)
            if acc[3]:
                row += bytes([round(acc[0] / acc[3]), round(acc[1] / acc[3]), round(acc[2] / acc[3]), round(alpha)])
            else:
                row += bytes(4)
        rows.append(bytes(row))
    return b"".join(rows)


def png(raw):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


if __name__ == "__main__":
    with open("icon.png", "wb") as f:
        f.write(png(render()))
