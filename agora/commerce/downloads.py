"""The invoice PDF as an HTTP answer, shared by the API and the pages."""

from django.http import HttpResponse

from agora.commerce.models import Order
from agora.commerce.services.invoices import render_invoice


def invoice_response(order: Order) -> HttpResponse:
    response = HttpResponse(render_invoice(order=order), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="agora-invoice-{order.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
