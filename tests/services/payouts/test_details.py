"""Payout details: each method validated, account numbers masked, changes audited without the number."""
import json

import pytest
from loguru import logger

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.users import AffiliateProfile
from app.services.payouts import details as payout_details
from app.services.payouts.errors import InvalidPayoutDetails, PayoutDetailsMissing, PayoutError
from tests import factories
from tests.payout_helpers import BANK


@pytest.mark.parametrize("number, masked", [
    ("0123456789", "•••• 6789"), ("12345", "•••• 2345"), ("1234", "••••"), ("", ""), (None, ""),
])
def test_mask_shows_only_the_last_four(number, masked):
    assert payout_details.mask(number) == masked


def refused_field(method, **values):
    with pytest.raises(InvalidPayoutDetails) as refused:
        payout_details.clean(method, values)
    return refused.value.field


def test_a_valid_bank_account():
    cleaned = payout_details.clean("bank_transfer", {**BANK, "bank_account": "0123 4567 89"})
    assert cleaned["bank_code"] == "VCB" and cleaned["bank_name"] == "Vietcombank"
    assert cleaned["bank_account"] == "0123456789"
    assert cleaned["account_holder"] == "Nguyen Van A"


@pytest.mark.parametrize("account", ["12345", "1" * 21, "12345a789", "", "１２３４５６７"])
def test_account_numbers_are_6_to_20_digits(account):
    assert refused_field("bank_transfer", **{**BANK, "bank_account": account}) == "bank_account"


@pytest.mark.parametrize("account", ["123456", "1" * 20])
def test_account_number_bounds_are_accepted(account):
    assert payout_details.clean("bank_transfer", {**BANK, "bank_account": account})["bank_account"] == account


@pytest.mark.parametrize("holder", ["", "   ", "Nguyen Van 2", "Nguyen_Van", "Nguyễn-Văn", "A" * 121])
def test_account_holder_is_letters_and_spaces(holder):
    assert refused_field("bank_transfer", **{**BANK, "account_holder": holder}) == "account_holder"


def test_account_holder_is_kept_as_entered_with_diacritics():
    cleaned = payout_details.clean("bank_transfer", {**BANK, "account_holder": "  Nguyễn   Thị Ánh "})
    assert cleaned["account_holder"] == "Nguyễn Thị Ánh"


def test_the_bank_comes_from_the_list_or_is_named():
    assert refused_field("bank_transfer", **{**BANK, "bank_code": "NOPE"}) == "bank_code"
    assert refused_field("bank_transfer", **{**BANK, "bank_code": ""}) == "bank_code"
    assert refused_field("bank_transfer", **{**BANK, "bank_code": "other", "bank_name": " "}) == "bank_name"
    cleaned = payout_details.clean("bank_transfer", {**BANK, "bank_code": "other", "bank_name": "Co-opBank"})
    assert (cleaned["bank_code"], cleaned["bank_name"]) == ("other", "Co-opBank")


def test_the_bank_list_has_the_main_vietnamese_banks():
    names = set(payout_details.BANK_NAMES.values())
    assert {"Vietcombank", "VietinBank", "BIDV", "Agribank", "Techcombank", "MB", "ACB", "VPBank", "Sacombank",
            "TPBank", "HDBank", "VIB", "SHB", "SeABank", "OCB", "MSB", "Eximbank", "LPBank", "Nam A Bank"} <= names


@pytest.mark.parametrize("phone, stored", [
    ("0912345678", "0912345678"), ("091 234 5678", "0912345678"), ("+84912345678", "+84912345678"),
    ("+84 91-234-5678", "+84912345678"),
])
def test_momo_accepts_vietnamese_numbers(phone, stored):
    assert payout_details.clean("momo", {"momo_phone": phone})["momo_phone"] == stored


@pytest.mark.parametrize("phone", ["", "091234567", "09123456789", "1912345678", "+8491234567", "+85912345678",
                                   "09123a5678"])
def test_momo_refuses_other_numbers(phone):
    assert refused_field("momo", momo_phone=phone) == "momo_phone"


def test_paypal_needs_an_email():
    assert payout_details.clean("paypal", {"paypal_email": " me@example.com "})["paypal_email"] == "me@example.com"
    assert refused_field("paypal", paypal_email="not-an-email") == "paypal_email"
    assert refused_field("paypal", paypal_email="") == "paypal_email"


def test_a_method_must_be_chosen():
    assert refused_field(None) == "method"
    assert refused_field("stripe") == "method"


def test_only_the_chosen_method_is_required_but_anything_filled_in_is_checked():
    cleaned = payout_details.clean("momo", {"momo_phone": "0912345678", "paypal_email": ""})
    assert cleaned["bank_account"] is None and cleaned["paypal_email"] is None
    assert refused_field("momo", momo_phone="0912345678", paypal_email="nope") == "paypal_email"
    assert refused_field("paypal", paypal_email="me@example.com", bank_account="12") == "bank_code"


def test_update_saves_and_audits_without_the_full_number(app):
    affiliate = factories.make_user("affiliate")
    messages = []
    sink = logger.add(lambda m: messages.append(m.record["message"]), level="INFO")
    try:
        payout_details.update(affiliate.id, "bank_transfer", {**BANK, "bank_account": "99887766554433"}, ip="1.2.3.4")
    finally:
        logger.remove(sink)
    profile = db.session.get(AffiliateProfile, affiliate.id)
    assert (profile.payout_method, profile.bank_account, profile.bank_name) == (
        "bank_transfer", "99887766554433", "Vietcombank")

    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "payout_details.changed"))
    assert (event.actor_id, event.object_type, event.object_id, event.ip) == (
        affiliate.id, "affiliate_profiles", str(affiliate.id), "1.2.3.4")
    assert event.after["bank_account"] == "•••• 4433"
    assert "99887766554433" not in json.dumps([event.before, event.after])
    assert messages and not any("99887766554433" in m for m in messages)


def test_changing_details_records_before_and_after(app):
    affiliate = factories.make_user("affiliate")
    payout_details.update(affiliate.id, "bank_transfer", BANK)
    payout_details.update(affiliate.id, "momo", {**BANK, "momo_phone": "0987654321"})
    events = list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "payout_details.changed")
                                     .order_by(AuditEvent.id)))
    assert len(events) == 2
    assert events[1].before["method"] == "bank_transfer" and events[1].after["method"] == "momo"
    assert events[1].after["momo_phone"] == "•••• 4321"
    # Saving the same details again changes nothing and records nothing.
    payout_details.update(affiliate.id, "momo", {**BANK, "momo_phone": "0987654321"})
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "payout_details.changed")) == 2


def test_a_same_ending_new_account_number_is_still_saved(app):
    affiliate = factories.make_user("affiliate")
    payout_details.update(affiliate.id, "bank_transfer", {**BANK, "bank_account": "11116789"})
    payout_details.update(affiliate.id, "bank_transfer", {**BANK, "bank_account": "22226789"})
    assert db.session.get(AffiliateProfile, affiliate.id).bank_account == "22226789"


def test_invalid_details_save_nothing(app):
    affiliate = factories.make_user("affiliate")
    with pytest.raises(InvalidPayoutDetails):
        payout_details.update(affiliate.id, "bank_transfer", {**BANK, "bank_account": "abc"})
    db.session.expire_all()
    assert db.session.get(AffiliateProfile, affiliate.id).payout_method is None
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "payout_details.changed")) == 0


def test_only_affiliates_have_payout_details(app):
    merchant = factories.make_user("merchant")
    with pytest.raises(PayoutError):
        payout_details.update(merchant.id, "paypal", {"paypal_email": "m@example.com"})


def test_snapshot_needs_details(app):
    affiliate = factories.make_user("affiliate")
    with pytest.raises(PayoutDetailsMissing):
        payout_details.snapshot(affiliate.id)
    payout_details.update(affiliate.id, "momo", {"momo_phone": "0912345678"})
    assert payout_details.snapshot(affiliate.id) == {"method": "momo", "momo_phone": "0912345678"}


@pytest.mark.parametrize("details, shown", [
    ({"method": "bank_transfer", "bank_name": "BIDV", "bank_account": "0123456789"}, "BIDV •••• 6789"),
    ({"method": "momo", "momo_phone": "0912345678"}, "Momo •••• 5678"),
    ({"method": "paypal", "paypal_email": "me@example.com"}, "PayPal me@example.com"),
    ({}, ""),
])
def test_destination_is_masked(app, details, shown):
    assert payout_details.destination(details) == shown
