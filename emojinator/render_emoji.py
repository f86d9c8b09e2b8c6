"""Render the gesture emoji to PNG pictures (RGBA) from the Noto Color Emoji font, for run.py to blend.

The pictures in emojinator/emoji/ were made with this script from Debian's fonts-noto-color-emoji
(SIL Open Font License 1.1, see emoji/LICENSE.md). Noto Color Emoji is a bitmap (CBDT) font whose only
size is 109 px; Pillow draws it with embedded_color=True.

Usage:
    apt-get download fonts-noto-color-emoji && dpkg -x fonts-noto-color-emoji_*.deb /tmp/noto
    python emojinator/render_emoji.py --font /tmp/noto/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf

Keys:
    none (no window)
"""
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emojinator.app import ArgumentParser, positive_int, run_main, write_atomic
from emojinator.gestures import GESTURES, emoji_file
from emojinator.model_files import check_out_folder

EMOJI_DIR = Path(__file__).resolve().parent / "emoji"
FONT = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"
FONT_SIZE = 109  # the one strike size stored in the CBDT font


def render(char, font, size):
    """One emoji as a size x size RGBA picture, trimmed to its drawn pixels and centred."""
    from PIL import Image, ImageDraw
    canvas = Image.new("RGBA", (160, 160), (0, 0, 0, 0))
    # The text presentation selector (U+FE0F) asks for the colour glyph of characters like U+261D.
    ImageDraw.Draw(canvas).text((10, 10), char + "\ufe0f", font=font, embedded_color=True)
    box = canvas.getbbox()
    if box is None:
        raise ValueError(f"the font has no glyph for U+{ord(char):04X}")
    glyph = canvas.crop(box)
    glyph.thumbnail((size, size), Image.LANCZOS)
    out = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    out.paste(glyph, ((size - glyph.width) // 2, (size - glyph.height) // 2))
    return out


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--font", default=FONT, help=f"NotoColorEmoji.ttf (default {FONT})")
    parser.add_argument("--size", type=positive_int, default=96, help="picture side in pixels")
    parser.add_argument("--out", default=str(EMOJI_DIR))
    parser.add_argument("--force", action="store_true", help="replace pictures already in --out (the shipped ones)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    paths = {gesture: out / emoji_file(gesture) for gesture in GESTURES}
    check_out_folder(out, paths.values(), args.force)  # made only once the font has loaded
    from PIL import ImageFont
    try:
        font = ImageFont.truetype(args.font, FONT_SIZE)
    except OSError as exc:
        raise ValueError(f"cannot load the emoji font {args.font}: {exc} "
                         "(apt-get install fonts-noto-color-emoji)") from None
    out.mkdir(exist_ok=True)
    for gesture, path in paths.items():
        picture = render(gesture.emoji, font, args.size)
        write_atomic(path, lambda temp: picture.save(temp, format="PNG", optimize=True), args.force)
        print(f"{gesture.emoji}  {gesture.name:12s} -> {path}")


if __name__ == "__main__":
    sys.exit(run_main(main))
