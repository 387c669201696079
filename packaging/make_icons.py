"""Draw the SC-FEGAN Studio application icon with Pillow and write it in every format
the installers need: resources/icons/scfegan.png (Linux, window icon), .ico (Windows)
and .icns (macOS).

    python packaging/make_icons.py        # rewrites resources/icons/

The output is deterministic for a given Pillow version; the generated files are
committed so a build does not need to run this.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "resources" / "icons"

MASTER = 2048          # drawn at 2× the largest size, then downsampled (anti-aliasing)
UNIT = MASTER / 1024   # coordinates below are on a 1024 grid

# The editor's colours (app/icons.py): light ink, magenta mask, cyan sketch.
INK = (222, 222, 226, 255)
MAGENTA = (255, 0, 170)
CYAN = (0, 229, 255, 255)
BG_TOP = (52, 55, 68)
BG_BOTTOM = (22, 23, 29)

ICO_SIZES = [16, 24, 32, 48, 64, 128, 256]
PNG_SIZE = 512


def _box(x0: float, y0: float, x1: float, y1: float) -> list[float]:
    return [x0 * UNIT, y0 * UNIT, x1 * UNIT, y1 * UNIT]


def draw_master() -> Image.Image:
    """The icon at MASTER×MASTER pixels, RGBA with a transparent margin."""
    size = MASTER
    # Background: a rounded square with a vertical gradient.
    gradient = Image.new("RGBA", (1, 256))
    for y in range(256):
        t = y / 255
        gradient.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(BG_TOP, BG_BOTTOM)) + (255,))
    gradient = gradient.resize((size, size), Image.Resampling.BILINEAR)
    shape = Image.new("L", (size, size), 0)
    ImageDraw.Draw(shape).rounded_rectangle(_box(64, 64, 960, 960), radius=200 * UNIT, fill=255)
    icon = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    icon.paste(gradient, (0, 0), shape)

    # The face: an outline with two eyes.
    d = ImageDraw.Draw(icon)
    d.ellipse(_box(262, 170, 762, 870), outline=INK, width=round(34 * UNIT))
    for cx in (420, 604):
        d.ellipse(_box(cx - 34, 400, cx + 34, 468), fill=INK)

    # The erased region (translucent magenta, as the editor shows the mask).
    mask = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    ImageDraw.Draw(mask).rounded_rectangle(_box(330, 560, 694, 800), radius=110 * UNIT, fill=MAGENTA + (170,))
    icon = Image.alpha_composite(icon, mask)

    # The sketch line that guides the repaint: a cyan smile.
    d = ImageDraw.Draw(icon)
    d.arc(_box(392, 520, 632, 740), start=20, end=160, fill=CYAN, width=round(32 * UNIT))
    # The pen drawing it: a cyan pencil whose tip rests on the smile's end.
    tip, (dx, dy) = (622, 690), (0.7071, 0.7071)      # pointing up-left, body to the bottom right
    body_start, body_end, half = 60, 250, 30

    def at(t: float, side: float) -> tuple[float, float]:
        return ((tip[0] + dx * t - dy * side) * UNIT, (tip[1] + dy * t + dx * side) * UNIT)

    d.polygon([at(0, 0), at(body_start, half), at(body_start, -half)], fill=CYAN)
    d.polygon([at(body_start + 14, half), at(body_end, half), at(body_end, -half), at(body_start + 14, -half)],
              fill=CYAN)
    return icon


def render(size: int, master: Image.Image | None = None) -> Image.Image:
    return (master or draw_master()).resize((size, size), Image.Resampling.LANCZOS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help=f"output folder (default {OUT_DIR})")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    master = draw_master()
    big = render(1024, master)
    render(PNG_SIZE, master).save(args.out / "scfegan.png", optimize=True)
    ico_images = [render(s, master) for s in ICO_SIZES]
    ico_images[-1].save(args.out / "scfegan.ico", sizes=[(s, s) for s in ICO_SIZES],
                        append_images=ico_images[:-1])
    # Pillow writes every ICNS size (16…1024, with @2x) from the largest image given.
    big.save(args.out / "scfegan.icns", append_images=[render(s, master) for s in (16, 32, 64, 128, 256, 512)])
    for name in ("scfegan.png", "scfegan.ico", "scfegan.icns"):
        print(f"wrote {args.out / name} ({(args.out / name).stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
