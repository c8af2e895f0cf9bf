"""PDF documents (invoices, certificates) with fpdf2 and bundled Unicode fonts, so any
name in any script prints and nothing depends on the host's fonts: DejaVu for Latin, Greek
and Cyrillic, with the CJK font as fpdf2's fallback for any character DejaVu lacks."""

from fpdf import FPDF

from agora.core.typefaces import CJK, LATIN, LATIN_BOLD

FONT = "DejaVu"
FALLBACK = "WenQuanYi"


def new_document(*, title: str, orientation: str = "portrait") -> FPDF:
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_creator("Agora")
    pdf.add_font(FONT, "", str(LATIN))
    pdf.add_font(FONT, "B", str(LATIN_BOLD))
    pdf.add_font(FALLBACK, "", str(CJK))
    # Bold text in Chinese, Japanese or Korean prints in the regular weight (no bold CJK).
    pdf.set_fallback_fonts([FALLBACK], exact_match=False)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.set_font(FONT, size=11)
    return pdf


def to_bytes(pdf: FPDF) -> bytes:
    return bytes(pdf.output())
