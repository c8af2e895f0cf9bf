"""Invoices: one PDF per paid (or later refunded) order."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from agora.commerce.errors import CommerceError
from agora.commerce.models import Order, OrderStatus
from agora.core.errors import Conflict
from agora.core.mail import render_email
from agora.core.money import format_money
from agora.core.pdf import FONT, new_document, to_bytes


def render_invoice(*, order: Order) -> bytes:
    if order.status not in {OrderStatus.PAID, OrderStatus.REFUNDED}:
        raise Conflict(
            "An invoice exists once the order is paid.", code=CommerceError.INVOICE_NOT_AVAILABLE
        )
    money = lambda amount: format_money(amount, order.currency)  # noqa: E731
    pdf = new_document(title=f"Invoice {order.number}")
    pdf.set_font(FONT, "B", 20)
    pdf.cell(0, 12, "Invoice", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    for line in settings.INVOICE_SELLER.split("\n"):
        pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    paid = order.paid_at.date().isoformat() if order.paid_at else "-"
    details = [
        ("Invoice number", order.number),
        ("Date of payment", paid),
        ("Billed to", f"{order.buyer.name} <{order.buyer.email}>"),
        ("Country", order.tax_country or "-"),
        ("Payment", order.provider),
    ]
    if order.status == OrderStatus.REFUNDED and order.refunded_at:
        details.append(("Refunded", order.refunded_at.date().isoformat()))
    for label, value in details:
        pdf.set_font(FONT, "B", 10)
        pdf.cell(45, 6, label)
        pdf.set_font(FONT, size=10)
        pdf.cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(110, 8, "Course", border="B")
    pdf.cell(35, 8, "Price", border="B", align="R")
    pdf.cell(35, 8, "Discount", border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    for item in order.items.all():
        pdf.cell(110, 7, item.title[:70])
        pdf.cell(35, 7, money(item.price), align="R")
        pdf.cell(
            35,
            7,
            money(-item.discount) if item.discount else "-",
            align="R",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(4)
    tax_label = (
        f"Tax ({order.tax_basis_points / 100:g}% {order.tax_country})" if order.tax else "Tax"
    )
    totals = [
        ("Subtotal", money(order.subtotal)),
        ("Discount", money(-order.discount) if order.discount else "-"),
        (tax_label, money(order.tax) if order.tax else "-"),
        ("Total", money(order.total)),
    ]
    for label, value in totals:
        pdf.set_font(FONT, "B" if label == "Total" else "", 10)
        pdf.cell(145, 7, label, align="R")
        pdf.cell(35, 7, value, align="R", new_x="LMARGIN", new_y="NEXT")
    if order.coupon is not None:
        pdf.ln(2)
        pdf.set_font(FONT, size=9)
        pdf.cell(0, 5, f"Coupon {order.coupon.code} applied.", new_x="LMARGIN", new_y="NEXT")
    return to_bytes(pdf)


def send_receipt(*, order_id: int) -> None:
    """Emails the payment confirmation with the invoice attached."""
    order = Order.objects.select_related("buyer", "coupon").get(pk=order_id)
    items = list(order.items.all())
    message = render_email("commerce/email/order_paid", {"order": order, "items": items})
    email = EmailMultiAlternatives(
        message["subject"], message["text"], settings.DEFAULT_FROM_EMAIL, [order.buyer.email]
    )
    email.attach_alternative(message["html"], "text/html")
    if order.total:
        email.attach(
            f"agora-invoice-{order.number}.pdf", render_invoice(order=order), "application/pdf"
        )
    email.send()
