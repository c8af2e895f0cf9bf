"""The fonts Agora draws text with, bundled so that nothing depends on the host's fonts.

DejaVu Sans covers Latin, Greek and Cyrillic; WenQuanYi Micro Hei covers Chinese, Japanese
and Korean (and Latin, plainly). Pictures (course thumbnails) pick the first font that has a
glyph for every character of the text; PDFs (certificates, invoices) set the CJK font as
fpdf2's fallback, so a name mixing scripts prints letter by letter from whichever has it.
"""

from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont
from PIL import ImageFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
LATIN = FONT_DIR / "DejaVuSans.ttf"
LATIN_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
CJK = FONT_DIR / "WenQuanYiMicroHei.ttf"


@cache
def _codepoints(path: Path) -> frozenset[int]:
    with TTFont(str(path), lazy=True) as font:
        return frozenset(font.getBestCmap())


def covers(path: Path, text: str) -> bool:
    """Whether the font has a glyph for every visible character of `text`."""
    glyphs = _codepoints(path)
    return all(ord(char) in glyphs for char in text if not char.isspace())


def font_file_for(text: str, *, bold: bool = False) -> Path:
    """DejaVu where it has every character, else the CJK font if that one does; DejaVu
    otherwise (its boxes are honest about what no bundled font can draw)."""
    latin = LATIN_BOLD if bold else LATIN
    if covers(latin, text) or not covers(CJK, text):
        return latin
    return CJK


def image_font(text: str, size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    """A Pillow font that draws `text` as letters, not boxes."""
    return ImageFont.truetype(str(font_file_for(text, bold=bold)), size)
