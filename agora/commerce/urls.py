"""Page routes of commerce: cart, checkout, orders, earnings and payouts, and the admin
console's transactions and payouts. (The demo pay page is routed in agora/urls.py.)"""

from django.urls import path

from agora.commerce import views
from agora.commerce.views import studio_bundles
from agora.commerce.views import subscriptions as subscription_views

urlpatterns = [
    path("cart/", views.cart, name="cart"),
    path("cart/add/<int:course_id>/", views.cart_add, name="cart_add"),
    path("cart/remove/<int:course_id>/", views.cart_remove, name="cart_remove"),
    path("wishlist/", views.wishlist_page, name="wishlist"),
    path("wishlist/<int:course_id>/", views.wishlist_toggle, name="wishlist_toggle"),
    path("bundles/", views.bundle_list, name="bundle_list"),
    path("bundles/<int:bundle_id>/", views.bundle_detail, name="bundle_detail"),
    path("bundles/<int:bundle_id>/buy/", views.bundle_buy, name="bundle_buy"),
    path("gift/<int:course_id>/", views.gift_course, name="gift_course"),
    path("gifts/<str:code>/", views.gift_page, name="gift_page"),
    path("gifts/<str:code>/redeem/", views.gift_redeem, name="gift_redeem"),
    path("gifts/<str:code>/return/", views.gift_return, name="gift_return"),
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/summary/", views.checkout_summary, name="checkout_summary"),
    path("checkout/buy/<int:course_id>/", views.buy, name="buy_course"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/<int:order_id>/", views.order_detail, name="order_detail"),
    path("orders/<int:order_id>/invoice/", views.order_invoice, name="order_invoice"),
    path("orders/<int:order_id>/refund/", views.order_refund, name="order_refund"),
    path("plans/", subscription_views.plans_page, name="plans"),
    path("plans/subscribe/", subscription_views.subscribe_page, name="plans_subscribe"),
    path(
        "plans/enroll/<int:course_id>/",
        subscription_views.enroll_through_subscription,
        name="plans_enroll",
    ),
    path("me/subscription/", subscription_views.my_subscription_page, name="my_subscription"),
    path(
        "me/subscription/cancel/",
        subscription_views.cancel_subscription_page,
        name="my_subscription_cancel",
    ),
    path(
        "me/subscription/resume/",
        subscription_views.resume_subscription_page,
        name="my_subscription_resume",
    ),
    path("studio/bundles/", studio_bundles.bundle_studio, name="studio_bundles"),
    path("studio/bundles/new/", studio_bundles.bundle_new, name="studio_bundle_new"),
    path("studio/bundles/<int:bundle_id>/", studio_bundles.bundle_edit, name="studio_bundle"),
    path(
        "studio/bundles/<int:bundle_id>/active/",
        studio_bundles.bundle_set_active,
        name="studio_bundle_active",
    ),
    path("studio/earnings/", views.earnings, name="studio_earnings"),
    path("studio/payouts/", views.payout_settings, name="studio_payouts"),
    path("studio/payouts/manual/", views.payout_manual, name="studio_payouts_manual"),
    path(
        "studio/payouts/stripe/onboard/",
        views.payout_stripe_onboard,
        name="studio_payouts_stripe_onboard",
    ),
    path(
        "studio/payouts/stripe/refresh/",
        views.payout_stripe_refresh,
        name="studio_payouts_stripe_refresh",
    ),
    path(
        "studio/payouts/stripe/return/",
        views.payout_stripe_return,
        name="studio_payouts_stripe_return",
    ),
    path("admin-console/transactions/", views.admin_transactions, name="admin_transactions"),
    path("admin-console/payouts/", views.admin_payouts, name="admin_payouts"),
    path("admin-console/payouts/record/", views.admin_payout_record, name="admin_payout_record"),
    path("admin-console/payouts/run/", views.admin_payouts_run, name="admin_payouts_run"),
]
