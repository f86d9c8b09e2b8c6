"""What run.py draws: the pen's strokes over the video and a side panel with the recognised character.

cv2.putText has only Latin glyphs, so the panel is drawn with Pillow and a Devanagari font (Noto Sans Devanagari
from the `fontpkg-noto-sans-devanagari` package in requirements.txt, so it is there wherever the tool is installed).
The panel is redrawn only when the result changes.
"""
import unicodedata

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from devanagari.fonts import pen_font_path

PANEL_WIDTH = 240
MAX_VIEW_ASPECT = 3  # the widest view, as a multiple of its height (a 16:9 frame is 1.8)
BG, FG, DIM, ACCENT = (24, 24, 24), (240, 240, 240), (150, 150, 150), (90, 200, 255)  # RGB


DOTS = {"\u0323": 1, "\u0307": -1}  # combining dot below / above: the font has no ṭ ḍ ṇ ṣ ṅ, so we draw them


def draw_text(draw, xy, text, font, fill):
    """draw.text for Devanagari and IAST: runs are laid out by RAQM, letters with a dot below or above
    (ṭ ḍ ṇ ṣ ṅ) are drawn as the plain letter plus a dot."""
    x, y = xy
    run = ""
    for ch in text + "\n":
        parts = unicodedata.normalize("NFD", ch)
        dot = next((DOTS[m] for m in parts[1:] if m in DOTS), 0)
        if ch != "\n" and not dot:
            run += ch
            continue
        if run:
            draw.text((x, y), run, font=font, fill=fill)
            x += font.getlength(run)
            run = ""
        if dot:
            base = parts[0]
            draw.text((x, y), base, font=font, fill=fill)
            left, top, right, bottom = font.getbbox(base)
            r = max(1.5, font.size * 0.07)
            cx = x + (left + right) / 2
            cy = y + (bottom + 2.2 * r if dot > 0 else top - 2.2 * r)
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill)
            x += font.getlength(base)


class ResultPanel:
    """A PANEL_WIDTH-wide image (BGR) showing the last prediction, its top-3 and the 32x32 model input."""

    def __init__(self, height):
        path = pen_font_path()
        self.height = height
        layout = ImageFont.Layout.RAQM
        self.big = ImageFont.truetype(path, 110, layout_engine=layout)
        self.mid = ImageFont.truetype(path, 26, layout_engine=layout)
        self.small = ImageFont.truetype(path, 18, layout_engine=layout)
        self._key, self._image = None, None

    def render(self, top, model_input=None, status=""):
        """The panel for `top` (classifier top-k list, or None before the first character)."""
        key = (repr(top), None if model_input is None else model_input.tobytes(), status)
        if key == self._key:
            return self._image
        img = Image.new("RGB", (PANEL_WIDTH, self.height), BG)
        draw = ImageDraw.Draw(img)
        draw.text((12, 8), "देवनागरी", font=self.mid, fill=DIM)
        y = 50
        if top:
            best = top[0]
            draw.text((PANEL_WIDTH // 2, y + 70), best["char"], font=self.big, fill=FG, anchor="mm")
            y += 150
            draw_text(draw, (12, y), f"{best['translit']}   {best['confidence']:.0%}", self.mid, ACCENT)
            y += 40
            for rank, item in enumerate(top, 1):
                draw_text(draw, (12, y), f"{rank}. {item['char']}  {item['translit']}", self.small, FG)
                draw.text((PANEL_WIDTH - 12, y), f"{item['confidence']:.2f}", font=self.small, fill=DIM,
                          anchor="ra")
                y += 28
        else:
            draw.text((12, y), "write a character", font=self.small, fill=DIM)
            y += 40
        if model_input is not None and y + 110 < self.height:
            thumb = Image.fromarray(model_input).resize((96, 96), Image.NEAREST).convert("RGB")
            img.paste(thumb, (12, y + 8))
            draw.text((116, y + 8), "model input", font=self.small, fill=DIM)
        if status:
            draw.text((12, self.height - 30), status, font=self.small, fill=DIM)
        self._key, self._image = key, cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)
        return self._image


def overlay_strokes(frame, canvas, colour_bgr, pen=None):
    """The frame with the canvas strokes painted in `colour_bgr` and a ring round the pen tip."""
    out = frame.copy()
    out[canvas > 127] = colour_bgr
    if pen is not None:
        cv2.circle(out, (int(pen[0]), int(pen[1])), 14, (255, 255, 255), 2, cv2.LINE_AA)
    return out


def fit_height(image, height):
    """Scale an image (gray or BGR) to `height` px, aspect kept, as BGR. One wider than MAX_VIEW_ASPECT times its
    height is scaled to that width instead and centred on black: scaled to the height, a 5000x1 image was 2.4
    million pixels wide (10 GB)."""
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    scale = min(height / image.shape[0], MAX_VIEW_ASPECT * height / image.shape[1])
    if abs(scale - 1) > 1e-3:
        image = cv2.resize(image, (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale))),
                           interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    if image.shape[0] != height:
        top = (height - image.shape[0]) // 2
        image = cv2.copyMakeBorder(image, top, height - image.shape[0] - top, 0, 0, cv2.BORDER_CONSTANT)
    return image


def compose(view, panel, help_line):
    """The view and the panel side by side, with the help line along the bottom of the view."""
    view = view.copy()
    h = view.shape[0]
    cv2.rectangle(view, (0, h - 26), (view.shape[1], h), (0, 0, 0), -1)
    cv2.putText(view, help_line, (8, h - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (230, 230, 230), 1, cv2.LINE_AA)
    return np.hstack([view, panel])
