"""Page routes of commerce: cart, checkout, orders and earnings. (The demo pay page is
routed in agora/urls.py.)"""

from django.urls import path

from agora.commerce import views

urlpatterns = [
    path("cart/", views.cart, name="cart"),
    path("cart/add/<int:course_id>/", views.cart_add, name="cart_add"),
    path("cart/remove/<int:course_id>/", views.cart_remove, name="cart_remove"),
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/summary/", views.checkout_summary, name="checkout_summary"),
    path("checkout/buy/<int:course_id>/", views.buy, name="buy_course"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/<int:order_id>/", views.order_detail, name="order_detail"),
    path("orders/<int:order_id>/invoice/", views.order_invoice, name="order_invoice"),
    path("orders/<int:order_id>/refund/", views.order_refund, name="order_refund"),
    path("studio/earnings/", views.earnings, name="studio_earnings"),
]
