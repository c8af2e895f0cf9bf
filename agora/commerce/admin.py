from typing import Any, cast

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from agora.accounts.models import User
from agora.audit.services import record
from agora.commerce.exports import ledger_csv
from agora.commerce.models import (
    CommissionOverride,
    Coupon,
    Dispute,
    LedgerEntry,
    LedgerTransaction,
    Order,
    OrderItem,
    PaymentEvent,
    Payout,
    PayoutAccount,
    PlanPrice,
    PlatformSettings,
    Subscription,
    SubscriptionPlan,
    TaxRate,
)
from agora.core.typed_admin import ModelAdmin, ReadOnlyAdmin, TabularInline


@admin.register(TaxRate)
class TaxRateAdmin(ModelAdmin[TaxRate]):
    list_display = ["country", "name", "basis_points"]
    search_fields = ["country", "name"]


@admin.register(Coupon)
class CouponAdmin(ModelAdmin[Coupon]):
    list_display = [
        "code",
        "percent_off",
        "amount_off",
        "currency",
        "course",
        "instructor",
        "uses",
        "max_uses",
        "expires_at",
        "is_active",
    ]
    list_filter = ["is_active"]
    search_fields = ["code"]
    raw_id_fields = ["course", "instructor", "created_by"]
    readonly_fields = ["uses"]


def _audit_commission(
    request: HttpRequest, row: Any, before: int | None, deleted: bool = False
) -> None:
    """A commission set or removed through the admin site is an admin action like any other:
    it goes to the audit log in the admin's own transaction."""
    record(
        actor=request.user,
        action="commission.change",
        target=row,
        data={
            "from_basis_points": before,
            "to_basis_points": None if deleted else row.commission_basis_points,
            "course_id": getattr(row, "course_id", None),
            "instructor_id": getattr(row, "instructor_id", None),
        },
    )


@admin.register(CommissionOverride)
class CommissionOverrideAdmin(ModelAdmin[CommissionOverride]):
    list_display = ["__str__", "commission_basis_points", "note", "created_at"]
    raw_id_fields = ["course", "instructor"]

    def save_model(
        self, request: HttpRequest, obj: CommissionOverride, form: Any, change: bool
    ) -> None:
        before = (
            CommissionOverride.objects.filter(pk=obj.pk)
            .values_list("commission_basis_points", flat=True)
            .first()
            if change
            else None
        )
        super().save_model(request, obj, form, change)
        _audit_commission(request, obj, before)

    def delete_model(self, request: HttpRequest, obj: CommissionOverride) -> None:
        _audit_commission(request, obj, obj.commission_basis_points, deleted=True)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for row in queryset:
            _audit_commission(request, row, row.commission_basis_points, deleted=True)
        super().delete_queryset(request, queryset)


@admin.register(PlatformSettings)
class PlatformSettingsAdmin(ModelAdmin[PlatformSettings]):
    list_display = ["__str__", "updated_at", "updated_by"]
    readonly_fields = ["updated_at", "updated_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not PlatformSettings.objects.exists()

    def save_model(
        self, request: HttpRequest, obj: PlatformSettings, form: Any, change: bool
    ) -> None:
        before = (
            PlatformSettings.objects.filter(pk=obj.pk)
            .values_list("commission_basis_points", flat=True)
            .first()
        )
        obj.updated_by = cast(User, request.user)  # the admin site needs a signed-in admin
        super().save_model(request, obj, form, change)
        if before != obj.commission_basis_points:
            _audit_commission(request, obj, before)


class OrderItemInline(TabularInline[OrderItem, Order]):
    model = OrderItem
    extra = 0
    can_delete = False
    readonly_fields = [
        "course",
        "title",
        "price",
        "discount",
        "commission_basis_points",
        "instructor_shares",
    ]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    """Filter on "Paid late: refund pending" for the payments still owed back to buyers (the
    reason is in failure_reason; reconciliation retries their refund every run)."""

    list_display = [
        "number",
        "buyer",
        "status",
        "total",
        "currency",
        "provider",
        "created_at",
        "paid_at",
        "failure_reason",
    ]
    list_filter = ["status", "provider", "currency"]
    search_fields = ["buyer__email", "provider_payment_id", "provider_refund_id"]
    inlines = [OrderItemInline]


@admin.register(PaymentEvent)
class PaymentEventAdmin(ReadOnlyAdmin):
    """Every webhook as received, and what processing it did (amount mismatches show here)."""

    list_display = [
        "received_at",
        "provider",
        "type",
        "payment_id",
        "amount",
        "currency",
        "processed_at",
        "outcome",
    ]
    list_filter = ["provider", "type"]
    search_fields = ["event_id", "payment_id", "outcome"]


class LedgerEntryInline(TabularInline[LedgerEntry, LedgerTransaction]):
    model = LedgerEntry
    extra = 0
    can_delete = False
    readonly_fields = ["account", "instructor", "amount", "currency"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "idempotency_key", "description"]
    list_filter = ["kind"]
    search_fields = ["idempotency_key", "description"]
    inlines = [LedgerEntryInline]
    actions = ["export_csv"]

    @admin.action(description="Export the selected transactions' entries as CSV")
    def export_csv(
        self, request: HttpRequest, queryset: QuerySet[LedgerTransaction]
    ) -> HttpResponse:
        entries = LedgerEntry.objects.filter(transaction__in=queryset).select_related("transaction")
        return ledger_csv(entries.order_by("transaction_id", "id"))


@admin.register(PayoutAccount)
class PayoutAccountAdmin(ReadOnlyAdmin):
    list_display = ["instructor", "method", "onboarding_status", "stripe_account_id", "updated_at"]
    list_filter = ["method", "onboarding_status"]
    search_fields = ["instructor__email", "stripe_account_id"]


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    """Payouts are made by the payout run and recorded on the admin payouts page."""

    list_display = [
        "created_at",
        "instructor",
        "amount",
        "currency",
        "method",
        "status",
        "provider_reference",
        "paid_at",
    ]
    list_filter = ["status", "method", "currency"]
    search_fields = ["instructor__email", "provider_reference", "idempotency_key"]


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "provider",
        "provider_dispute_id",
        "order",
        "status",
        "amount",
        "currency",
        "outcome",
    ]
    list_filter = ["provider", "status"]
    search_fields = ["provider_dispute_id"]


class PlanPriceInline(TabularInline[PlanPrice, SubscriptionPlan]):
    model = PlanPrice
    extra = 1
    fields = ["currency", "amount", "stripe_price_id", "razorpay_plan_id"]


@admin.register(SubscriptionPlan)
class SubscriptionPlanAdmin(ModelAdmin[SubscriptionPlan]):
    list_display = ["name", "interval", "is_active", "created_at"]
    list_filter = ["interval", "is_active"]
    inlines = [PlanPriceInline]


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["pk", "user", "plan", "status", "provider", "total", "currency"]
    list_filter = ["status", "provider", "currency"]
    search_fields = ["user__email", "provider_subscription_id"]
