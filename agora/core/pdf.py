"""PDF documents (invoices, certificates) with fpdf2 and a bundled Unicode font, so any
name in any script prints and nothing depends on the host's fonts."""

from pathlib import Path

from fpdf import FPDF

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"


def new_document(*, title: str, orientation: str = "portrait") -> FPDF:
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_creator("Agora")
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.set_font(FONT, size=11)
    return pdf


def to_bytes(pdf: FPDF) -> bytes:
    return bytes(pdf.output())
