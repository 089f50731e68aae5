"""Commission terms applied to an order amount.

The result is stored on the conversion when it is recorded, so later edits of the campaign's terms
never change a commission already earned.
"""
from decimal import Decimal

from app.money import percent_of


def compute(campaign, amount: int) -> tuple[int, str, Decimal | None]:
    """(commission in minor units, commission type, rate) for an order of `amount` minor units.

    A percentage is rounded half-up to a whole minor unit of the campaign's currency (amounts are
    already in minor units, so this is rounding to an integer); a fixed commission is paid whatever
    the order amount.
    """
    if campaign.commission_type == "percent":
        rate = Decimal(campaign.commission_rate)
        return percent_of(amount, rate), "percent", rate
    if campaign.commission_type == "fixed":
        return int(campaign.commission_fixed or 0), "fixed", None
    raise ValueError(f"unknown commission type {campaign.commission_type!r}")
