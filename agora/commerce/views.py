from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agora.commerce.models import Order
from agora.commerce.services import payments
from agora.core.errors import NotFound


def demo_pay(request: HttpRequest, payment_id: str) -> HttpResponse:
    """The demo provider's hosted pay page (its form posts back here with `outcome`)."""
    order = Order.objects.filter(provider="demo", provider_payment_id=payment_id).first()
    if order is None:
        raise NotFound("There is no such payment.", code="payment_not_found")
    if request.method == "POST":
        outcome = request.POST.get("outcome")
        if outcome in {"succeed", "fail"} and order.status == "pending":
            payments.demo_outcome(payment_id=payment_id, succeed=outcome == "succeed")
            return render(
                request,
                "commerce/demo_pay_done.html",
                {"order": order, "succeeded": outcome == "succeed"},
            )
    return render(request, "commerce/demo_pay.html", {"order": order, "payment_id": payment_id})
