"""Reading the audit trail: filters, pages, masking of secrets, the diff and the CSV export."""
import csv
import io
from datetime import date, datetime, timedelta

import pytest

from app.models.common import utcnow
from app.services.audit import queries
from app.services.audit.queries import HIDDEN, AuditFilters, changes, mask_secrets
from app.services.common.keyset import Cursor
from tests.audit_helpers import event
from tests.factories import make_user

TZ = "Asia/Ho_Chi_Minh"


def found(filters, cursor=None):
    return queries.search(filters, TZ, cursor)


# Masking and the diff


def test_secret_values_are_hidden_whole_and_account_numbers_keep_their_last_four():
    masked = mask_secrets({
        "password": "hunter22", "webhook_token": "tok_abc", "stripe_webhook_secret": "whsec_1",
        "api_key": "ak_live_123", "key_hash": "ff00", "bank_account": "0123456789", "account_holder": "Lan",
        "status": "paid", "details": {"iban": "VN12345678901", "paypal_email": "a@b.c"},
        "history": [{"passwordHash": "x"}], "token": None,
    })
    assert masked["password"] == masked["webhook_token"] == masked["stripe_webhook_secret"] == HIDDEN
    assert masked["api_key"] == masked["key_hash"] == HIDDEN
    assert masked["bank_account"] == "••••6789"
    assert masked["details"] == {"iban": "••••8901", "paypal_email": "a@b.c"}
    assert masked["history"] == [{"passwordHash": HIDDEN}]
    assert masked["account_holder"] == "Lan" and masked["status"] == "paid" and masked["token"] is None


def test_a_short_account_number_shows_no_digits():
    assert mask_secrets({"bank_account": "123456"}) == {"bank_account": "••••"}


def test_the_diff_lists_only_changed_keys_with_secrets_masked():
    before = {"status": "active", "name": "A", "secret": "old-secret", "rate": 10}
    after = {"status": "paused", "name": "A", "secret": "new-secret", "hold_days": 30}
    result = {c.key: (c.before, c.after) for c in changes(before, after)}
    assert result == {"status": ("active", "paused"), "secret": (HIDDEN, HIDDEN),
                      "rate": (10, None), "hold_days": (None, 30)}
    assert [c.key for c in changes(None, {"email": "x@y.z"})] == ["email"]
    assert changes(None, None) == []


# Filters and pages


def test_actor_filter_matches_part_of_the_email_case_insensitively(app):
    lan, minh = make_user("admin", email="lan@ops.example"), make_user("admin", email="minh@ops.example")
    event(actor=lan, object_id=1)
    event(actor=minh, object_id=2)
    event(object_id=3)  # system
    rows = found(AuditFilters(actor="LAN@", action="campaign.updated")).items
    assert [r.object_id for r in rows] == ["1"]
    both = found(AuditFilters(actor="ops.example", action="campaign.updated")).items
    assert {r.object_id for r in both} == {"1", "2"}
    assert found(AuditFilters(actor="%")).total == 0  # a wildcard character is searched for literally


def test_action_filter_is_exact_or_a_prefix_ending_in_a_dot(app):
    event("payout.approved")
    event("payout.paid")
    event("payouts_misc.other")
    event("conversion.approved")
    assert [r.action for r in found(AuditFilters(action="payout.paid")).items] == ["payout.paid"]
    assert {r.action for r in found(AuditFilters(action="payout.")).items} == {"payout.approved", "payout.paid"}
    assert found(AuditFilters(action="payout")).total == 0


def test_object_type_and_id_filters(app):
    event(object_type="conversions", object_id=7)
    event(object_type="conversions", object_id=8)
    event(object_type="campaigns", object_id=7)
    assert found(AuditFilters(object_type="conversions")).total == 2
    rows = found(AuditFilters(object_type="conversions", object_id=" 7 ")).items
    assert [(r.object_type, r.object_id) for r in rows] == [("conversions", "7")]
    assert found(AuditFilters(object_id="7")).total == 2


def test_date_range_reads_days_in_the_display_timezone(app):
    # 20:00 UTC on 10 March is 03:00 on 11 March in Vietnam (UTC+7).
    event(object_id=1, at=datetime(2024, 3, 10, 16, 59))
    event(object_id=2, at=datetime(2024, 3, 10, 20, 0))
    event(object_id=3, at=datetime(2024, 3, 11, 16, 59))
    event(object_id=4, at=datetime(2024, 3, 11, 17, 0))
    day = date(2024, 3, 11)
    assert {r.object_id for r in found(AuditFilters(date_from=day, date_to=day)).items} == {"2", "3"}
    assert {r.object_id for r in found(AuditFilters(date_from=day, action="campaign.updated")).items} == {"2", "3", "4"}
    assert {r.object_id for r in found(AuditFilters(date_to=date(2024, 3, 10))).items} == {"1"}


def test_newest_first_fifty_a_page(app):
    start = utcnow() - timedelta(days=1)
    for n in range(120):
        event(object_id=n, at=start + timedelta(minutes=n))
    first = found(AuditFilters(action="campaign.updated"))
    assert (first.count, first.capped, len(first.items)) == (120, False, 50)
    assert [r.object_id for r in first.items[:3]] == ["119", "118", "117"]
    second = found(AuditFilters(action="campaign.updated"), Cursor.parse(first.older))
    last = found(AuditFilters(action="campaign.updated"), Cursor.parse(second.older))
    assert [r.object_id for r in last.items][-1] == "0" and len(last.items) == 20 and last.older is None


def test_choices_for_the_filters(app):
    event("payout.paid", object_type="payout_requests")
    event("payout.approved", object_type="payout_requests")
    event("user.disabled", object_type="users")
    event("payout.paid", object_type="payout_requests")
    names = queries.actions()
    assert names == ["payout.approved", "payout.paid", "user.disabled"]
    assert queries.action_prefixes(names) == ["payout.", "user."]
    assert queries.object_types() == ["payout_requests", "users"]


def test_events_about_a_user_are_theirs_and_those_done_to_their_account(app):
    admin, other = make_user("admin"), make_user("affiliate")
    event("campaign.updated", actor=admin, object_id=5)
    event("user.disabled", actor=admin, object_type="users", object_id=other.id)
    event("campaign.updated", actor=other, object_id=6)
    actions = [(e.action, e.object_id) for e in queries.events_about_user(other.id)]
    assert ("user.disabled", str(other.id)) in actions and ("campaign.updated", "6") in actions
    assert ("campaign.updated", "5") not in actions


# CSV export


def read_csv(chunks):
    text = "".join(chunks)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_export_has_the_columns_masks_secrets_and_guards_against_formulas(app):
    admin = make_user("admin", email="ops@example.com")
    event("merchant.stripe_secret_set", actor=admin, object_type="users", object_id=admin.id, ip="10.0.0.1",
          before={"stripe_webhook_secret": None}, after={"stripe_webhook_secret": "whsec_live_abc"},
          at=datetime(2024, 5, 1, 8, 30, 5))
    event("=cmd|' /C calc'!A0", object_type="-", object_id=None)
    rows = read_csv(queries.export_csv(AuditFilters(), TZ))
    assert rows[0] == ["time_utc", "actor_email", "action", "object_type", "object_id", "before_json",
                       "after_json", "ip"]
    by_action = {row[2]: row for row in rows[1:]}
    secret = by_action["merchant.stripe_secret_set"]
    assert secret[:5] == ["2024-05-01T08:30:05Z", "ops@example.com", "merchant.stripe_secret_set", "users",
                          str(admin.id)]
    assert secret[5] == '{"stripe_webhook_secret": null}'
    assert secret[6] == f'{{"stripe_webhook_secret": "{HIDDEN}"}}' and secret[7] == "10.0.0.1"
    assert "whsec_live_abc" not in "".join(queries.export_csv(AuditFilters(), TZ))
    formula = by_action["'=cmd|' /C calc'!A0"]
    assert formula[1] == "" and formula[3] == "-" and formula[4] == ""


@pytest.mark.parametrize("batch", [1, 3, 500])
def test_export_streams_every_matching_row_once_across_batches(app, monkeypatch, batch):
    monkeypatch.setattr(queries, "EXPORT_BATCH", batch)
    same_time = datetime(2024, 1, 1, 12, 0)
    for n in range(7):  # equal times: the keyset must still move on by id
        event(object_id=n, at=same_time)
    event("user.enabled", object_type="users", object_id=99)
    rows = read_csv(queries.export_csv(AuditFilters(action="campaign.updated"), TZ))[1:]
    assert sorted(int(row[4]) for row in rows) == list(range(7))
    assert [int(row[4]) for row in rows] == sorted((int(row[4]) for row in rows), reverse=True)
