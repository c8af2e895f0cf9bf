"""Reading back what a certificate PDF shows: its text and the QR code it draws."""

import io
import re

import pypdf

CODE = re.compile(r"^AGR(-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{4}){4}$")


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def drawn_qr_matrix(content: bytes) -> list[list[int]]:
    """Rebuilds the module matrix from the filled rectangles ("x y w h re f") of the PDF's
    page: what a scanner would see."""
    page = pypdf.PdfReader(io.BytesIO(content)).pages[0]
    stream = page.get_contents().get_data().decode("latin-1")
    rects = [
        tuple(float(n) for n in match.groups())
        for match in re.finditer(r"(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re f\b", stream)
    ]
    module = abs(rects[0][3])
    left = min(x for x, _, _, _ in rects)
    top = max(y for _, y, _, _ in rects)
    cells: set[tuple[int, int]] = set()
    for x, y, width, _ in rects:
        row = round((top - y) / module)
        first = round((x - left) / module)
        for column in range(first, first + round(width / module)):
            cells.add((row, column))
    size = max(max(r for r, _ in cells), max(c for _, c in cells)) + 1
    return [[int((r, c) in cells) for c in range(size)] for r in range(size)]
