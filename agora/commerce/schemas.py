from decimal import Decimal

from ninja import Field, Schema


class CommissionIn(Schema):
    rate_percent: Decimal = Field(description="From 0 to 100, at most two decimals.")


class CommissionOut(Schema):
    rate_percent: float
