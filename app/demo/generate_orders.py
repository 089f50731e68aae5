"""The generated money: conversions on real clicks, their review, refunds, the ledger and paid payouts.

Rows are what the services would have written, so `flask ledger verify` finds the books straight:
the commission is computed from the campaign's terms (half-up, minor units) and stored; an approval
appends the commission entry (due after the hold period), a reversal or a refund its reversing
entry, and each paid payout its reserve; every step leaves its audit event.
"""
import math
import secrets
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from app.demo.bulk import BulkWriter
from app.demo.generate_people import Programme
from app.money import percent_of, round_half_up

SOURCES, SOURCE_WEIGHTS = ("api", "pixel", "postback", "stripe"), (45, 30, 15, 10)
REJECT_REASONS = ("Khách huỷ đơn.", "Khách trả hàng.", "Đơn trùng lặp.", "Đơn thử nghiệm của cửa hàng.")
REJECT_SHARE, REVERSE_SHARE, PARTIAL_REFUND_SHARE, BACKLOG_SHARE = 0.12, 0.03, 0.04, 0.015
# Payouts are requested early each month (02:00 UTC is 09:00 in Vietnam) by most affiliates with enough.
PAYOUT_DAY, PAYOUT_HOUR, PAYOUT_TAKERS = 5, 2, 0.8


class Orders:
    """Collects the rows of every table, then gives them ids in time order and writes them."""

    def __init__(self, rng, out: BulkWriter, programme: Programme, now: datetime, minimums: dict[str, int]):
        self.rng, self.out, self.programme, self.now, self.minimums = rng, out, programme, now, minimums
        self.conversions, self.refunds, self.ledger, self.payouts, self.events = [], [], [], [], []
        self.order_numbers = defaultdict(lambda: 10_000)
        self.link_stops = {link.id: link.earns_until for link in programme.links}

    def add_conversion(self, click: tuple) -> None:
        rng, campaign = self.rng, self.programme.campaigns[click[3]]
        clicked_at = click[5]
        # Within the attribution window, and while the link still earned (the affiliate may have left).
        latest = min(self.now, clicked_at + timedelta(days=campaign.attribution_days),
                     self.link_stops[click[2]] or self.now)
        # Half the orders come within the hour, a long tail over the following days.
        delay = timedelta(seconds=20) + timedelta(minutes=rng.lognormvariate(3.5, 1.8))
        created = clicked_at + min(delay, (latest - clicked_at) * rng.uniform(0.5, 1.0))
        self.order_numbers[campaign.id] += rng.randint(1, 30)
        amount = self._order_value(campaign)
        commission = percent_of(amount, campaign.commission_rate) if campaign.commission_type == "percent" \
            else campaign.commission_fixed
        row = dict(
            campaign_id=campaign.id, affiliate_id=click[4], click_id=click[0], click_public_id=click[1],
            click_created_at=clicked_at, link_id=click[2], click_ip=click[6], click_user_agent=click[7],
            click_referrer=click[8], click_sub1=click[9], click_sub2=click[10], click_sub3=click[11],
            click_sub4=click[12], click_sub5=click[13],
            order_id=f"{campaign.order_prefix}-{self.order_numbers[campaign.id]}", amount=amount,
            currency=campaign.currency, commission_type=campaign.commission_type,
            commission_rate=campaign.commission_rate, commission=commission, refunded_amount=0,
            commission_reversed=0, status="pending", source=rng.choices(SOURCES, SOURCE_WEIGHTS)[0],
            attribution_rule="last_click",
            customer_email=f"khach{rng.randrange(10**7)}@mail.example" if rng.random() < 0.5 else None,
            external_ref=None, ip=click[6], fraud_flags=[], reject_reason=None, created_at=created,
            payable_at=created + timedelta(days=campaign.hold_days), decided_at=None, decided_by_id=None)
        row["id"] = None
        self.conversions.append(row)
        row["_events"] = [("conversion.recorded", None, None, {
            "order_id": row["order_id"], "amount": amount, "currency": row["currency"], "commission": commission,
            "source": row["source"], "click": click[1], "flags": []}, created)]
        self._review(row, campaign)

    def _order_value(self, campaign) -> int:
        low, high = campaign.order_range
        value = min(high, max(low, low * math.exp(self.rng.expovariate(1.2))))
        if campaign.currency == "VND":
            return int(value // 1_000) * 1_000
        return int(value // 100) * 100 - self.rng.choice((0, 10))

    def _review(self, row: dict, campaign) -> None:
        """Decide the conversion as the merchant (or the auto-approval) would have by now."""
        rng, now = self.rng, self.now
        if campaign.auto_approve:
            decided, actor = row["payable_at"], None
        else:
            decided, actor = row["created_at"] + timedelta(days=rng.uniform(0.2, 10)), campaign.merchant_id
        if decided > now or rng.random() < BACKLOG_SHARE:
            return
        if actor is not None and rng.random() < REJECT_SHARE:
            reason = rng.choice(REJECT_REASONS)
            row.update(status="rejected", decided_at=decided, decided_by_id=actor, reject_reason=reason)
            row["_events"].append(("conversion.rejected", actor, {"status": "pending"},
                                   {"status": "rejected", "reason": reason, "commission": row["commission"]}, decided))
            return
        row.update(status="approved", decided_at=decided, decided_by_id=actor)
        row["_events"].append(("conversion.approved", actor, {"status": "pending"}, {
            "status": "approved", "reason": None if actor else "approved automatically after the hold period",
            "commission": row["commission"]}, decided))
        self._entry(row, row["commission"], "commission", "commission:conv:{id}", decided, f"Order {row['order_id']}")
        later = decided + timedelta(days=rng.uniform(1, 60))
        chance = rng.random()
        if later < now and chance < REVERSE_SHARE:
            self._entry(row, -row["commission"], "reversal", "reversal:conv:{id}", later,
                        f"Reversal of order {row['order_id']}")
            row.update(status="reversed", decided_at=later, decided_by_id=campaign.merchant_id,
                       commission_reversed=row["commission"], reject_reason="Khách trả hàng.")
            row["_events"].append(("conversion.reversed", campaign.merchant_id, {"status": "approved"}, {
                "status": "reversed", "reason": "Khách trả hàng.", "commission": 0}, later))
        elif later < now and chance < REVERSE_SHARE + PARTIAL_REFUND_SHARE and row["amount"] >= 2:
            self._partial_refund(row, later)

    def _partial_refund(self, row: dict, when: datetime) -> None:
        amount = max(1, int(row["amount"] * self.rng.uniform(0.1, 0.6)))
        delta = min(round_half_up(Decimal(row["commission"]) * amount / Decimal(row["amount"])), row["commission"])
        refund = dict(conversion=row, amount=amount, commission_delta=delta, external_id=None,
                      reason="Hoàn một phần đơn hàng.", created_at=when, created_by_id=None)
        self.refunds.append(refund)
        before = {"refunded_amount": 0, "commission_reversed": 0, "status": "approved"}
        row.update(refunded_amount=amount, commission_reversed=delta)
        row["_events"].append(("conversion.refunded", None, before, {
            "refunded_amount": amount, "commission_reversed": delta, "refund": refund, "external_id": None,
            "amount": amount, "commission_delta": delta}, when))
        self._entry(row, -delta, "reversal", "reversal:refund:{refund}", when, f"Refund of order {row['order_id']}",
                    refund=refund)

    def _entry(self, row: dict, amount: int, kind: str, key: str, when: datetime, memo: str, refund=None) -> None:
        if amount:
            self.ledger.append(dict(affiliate_id=row["affiliate_id"], currency=row["currency"], amount=amount,
                                    kind=kind, conversion=row, refund=refund, payout=None, key=key,
                                    available_at=row["payable_at"], memo=memo[:255], created_at=when))

    def add_payouts(self) -> None:
        """Monthly payouts of what was available, paid a few days later (the latest may still be open)."""
        by_account = defaultdict(list)
        for entry in self.ledger:
            by_account[(entry["affiliate_id"], entry["currency"])].append(entry)
        for (affiliate_id, currency), entries in sorted(by_account.items()):
            if self.rng.random() > PAYOUT_TAKERS:
                continue
            moment = _next_payout_day(min(e["created_at"] for e in entries))
            reserved = 0
            while moment < self.now:
                due = sum(e["amount"] for e in entries if e["created_at"] <= moment and e["available_at"] <= moment)
                amount = due - reserved
                if currency == "VND":
                    amount -= amount % 1_000
                if amount >= self.minimums.get(currency, 1) and self.rng.random() < 0.9:
                    self._payout(affiliate_id, currency, amount, moment)
                    reserved += amount
                moment = _next_payout_day(moment + timedelta(days=1))

    def _payout(self, affiliate_id: int, currency: str, amount: int, requested: datetime) -> None:
        rng, details = self.rng, self.programme.payout_details[affiliate_id]
        approved = requested + timedelta(hours=rng.uniform(2, 48))
        paid = approved + timedelta(hours=rng.uniform(2, 72))
        admin = self.programme.admin_id
        payout = dict(affiliate_id=affiliate_id, amount=amount, currency=currency, status="requested",
                      method=details["method"], details=details, requested_at=requested, decided_at=None,
                      decided_by_id=None, paid_at=None, paid_on=None, paid_by_id=None, paid_method=None,
                      transaction_id=None, payment_notes=None, idempotency_key=secrets.token_urlsafe(32),
                      updated_at=requested, _events=[])
        payout["_events"].append(("payout.requested", affiliate_id, None, {
            "status": "requested", "amount": amount, "currency": currency, "method": details["method"]}, requested))
        if approved < self.now:
            payout.update(status="approved", decided_at=approved, decided_by_id=admin, updated_at=approved)
            payout["_events"].append(("payout.approved", admin, {"status": "requested"}, {
                "status": "approved", "amount": amount, "currency": currency}, approved))
        if paid < self.now:
            reference = f"FT{paid:%y%m%d}{rng.randrange(10**6):06d}"
            payout.update(status="paid", paid_at=paid, paid_on=paid.date(), paid_by_id=admin,
                          paid_method=details["method"], transaction_id=reference, updated_at=paid)
            payout["_events"].append(("payout.paid", admin, {"status": "approved"}, {
                "status": "paid", "amount": amount, "currency": currency, "transaction_id": reference}, paid))
        self.payouts.append(payout)
        self.ledger.append(dict(affiliate_id=affiliate_id, currency=currency, amount=-amount, kind="payout_reserve",
                                conversion=None, refund=None, payout=payout, key="reserve:payout:{payout}",
                                available_at=requested, memo=None, created_at=requested))

    def write(self) -> dict[str, int]:
        out = self.out
        for table, rows in (("conversions", self.conversions), ("refunds", self.refunds),
                            ("payout_requests", self.payouts)):
            rows.sort(key=lambda r: (r["created_at"] if "created_at" in r else r["requested_at"]))
            for row, new_id in zip(rows, out.reserve_ids(table, len(rows)), strict=True):
                row["id"] = new_id
        for payout in self.payouts:
            payout["memo"] = f"Payout request {payout['id']}"
        events = [(c, e) for c in self.conversions for e in c.pop("_events")]
        events += [(p, e) for p in self.payouts for e in p.pop("_events")]
        events.sort(key=lambda item: item[1][4])
        out.write("conversions", self.conversions)
        out.write("refunds", [dict(id=r["id"], conversion_id=r["conversion"]["id"], amount=r["amount"],
                                   commission_delta=r["commission_delta"], external_id=None, reason=r["reason"],
                                   created_at=r["created_at"], created_by_id=None) for r in self.refunds])
        out.write("payout_requests", [{k: v for k, v in p.items() if k != "memo"} for p in self.payouts])
        self.ledger.sort(key=lambda e: e["created_at"])
        out.write("ledger_entries", [self._ledger_row(e) for e in self.ledger])
        out.write("audit_events", [self._event_row(source, event) for source, event in events])
        return {"conversions": len(self.conversions), "refunds": len(self.refunds),
                "ledger entries": len(self.ledger), "payout requests": len(self.payouts),
                "audit events": len(events)}

    def _ledger_row(self, e: dict) -> dict:
        conversion, refund, payout = e["conversion"], e["refund"], e["payout"]
        key = e["key"].format(id=conversion["id"] if conversion else None, refund=refund["id"] if refund else None,
                              payout=payout["id"] if payout else None)
        return dict(id=self.out.next_id("ledger_entries"), affiliate_id=e["affiliate_id"], currency=e["currency"],
                    amount=e["amount"], kind=e["kind"], conversion_id=conversion["id"] if conversion else None,
                    payout_request_id=payout["id"] if payout else None, idempotency_key=key,
                    available_at=e["available_at"], memo=e["memo"] or (payout and payout["memo"]),
                    created_at=e["created_at"])

    def _event_row(self, source: dict, event: tuple) -> dict:
        action, actor_id, before, after, when = event
        if after and isinstance(after.get("refund"), dict):
            after = {**{k: v for k, v in after.items() if k != "refund"}, "refund_id": after["refund"]["id"]}
        object_type = "payout_requests" if action.startswith("payout.") else "conversions"
        return dict(id=self.out.next_id("audit_events"), actor_id=actor_id, action=action, object_type=object_type,
                    object_id=str(source["id"]), before=before, after=after, ip=None, created_at=when)


def _next_payout_day(moment: datetime) -> datetime:
    """The first monthly payout moment at or after `moment`."""
    candidate = moment.replace(day=PAYOUT_DAY, hour=PAYOUT_HOUR, minute=0, second=0, microsecond=0)
    if candidate < moment:
        month = candidate.replace(day=1) + timedelta(days=32)
        candidate = month.replace(day=PAYOUT_DAY)
    return candidate
