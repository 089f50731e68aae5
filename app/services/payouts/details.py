"""An affiliate's payout details: where their money goes (a Vietnamese bank, Momo or PayPal).

Each payout request copies the details of that moment (`snapshot`), so later edits never change
where an already requested payout is sent. Account numbers leave this module masked in logs and
audit events; only the owner and admins see them whole.
"""
import re

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from loguru import logger

from app.extensions import db
from app.labels import label
from app.models.users import AffiliateProfile, User
from app.services.audit import trail
from app.services.payouts import banks
from app.services.payouts.errors import InvalidPayoutDetails, PayoutDetailsMissing, PayoutError

METHODS = ("bank_transfer", "momo", "paypal")
OTHER_BANK = "other"
# (code, name) of banks operating in Vietnam, the most used first.
BANKS = tuple((bank.code, bank.name) for bank in banks.ALL)
BANK_NAMES = dict(BANKS)

ACCOUNT_RE = re.compile(r"^[0-9]{6,20}$")
PHONE_RE = re.compile(r"^(0[0-9]{9}|\+84[0-9]{9})$")
HOLDER_MAX = 120
BANK_NAME_MAX = 120


def mask(number: str | None) -> str:
    """"•••• 6789": enough for a person to recognise their account, not enough to use it."""
    if not number:
        return ""
    number = str(number)
    if len(number) <= 4:
        return "••••"
    return f"•••• {number[-4:]}"


def _squash(value: str | None) -> str:
    return " ".join((value or "").split())


def clean_account_number(value: str | None) -> str:
    number = re.sub(r"[\s.-]", "", value or "")
    if not number:
        raise InvalidPayoutDetails("bank_account", _l("Enter the account number."))
    if not ACCOUNT_RE.match(number):
        raise InvalidPayoutDetails("bank_account", _l("An account number is 6 to 20 digits."))
    return number


def clean_account_holder(value: str | None) -> str:
    holder = _squash(value)
    if not holder:
        raise InvalidPayoutDetails("account_holder", _l("Enter the account holder's name."))
    if len(holder) > HOLDER_MAX or not all(ch.isalpha() or ch == " " for ch in holder):
        raise InvalidPayoutDetails("account_holder",
                                   _l("Use letters and spaces only, as printed on the account."))
    return holder


def clean_bank(code: str | None, other_name: str | None) -> tuple[str, str]:
    """(bank code, bank name); a bank not in the list is "other" with the name as typed."""
    code = (code or "").strip()
    if code == OTHER_BANK:
        name = _squash(other_name)
        if not name:
            raise InvalidPayoutDetails("bank_name", _l("Enter the name of the bank."))
        if len(name) > BANK_NAME_MAX:
            raise InvalidPayoutDetails("bank_name", _l("The bank name is too long."))
        return code, name
    if code not in BANK_NAMES:
        raise InvalidPayoutDetails("bank_code", _l("Choose a bank from the list, or \"Other bank\"."))
    return code, BANK_NAMES[code]


def clean_momo_phone(value: str | None) -> str:
    phone = re.sub(r"[\s.()-]", "", value or "")
    if not phone:
        raise InvalidPayoutDetails("momo_phone", _l("Enter the phone number of your Momo wallet."))
    if not PHONE_RE.match(phone):
        raise InvalidPayoutDetails("momo_phone", _l("Enter a Vietnamese phone number: 10 digits starting "
                                                    "with 0, or +84 and 9 digits."))
    return phone


def clean_paypal_email(value: str | None) -> str:
    email = (value or "").strip()
    if not email:
        raise InvalidPayoutDetails("paypal_email", _l("Enter the email address of your PayPal account."))
    try:
        return validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidPayoutDetails("paypal_email", _l("Enter a valid email address.")) from exc


def clean(method: str | None, values: dict) -> dict:
    """Validate the details of `method` (required) and any other method's details given.

    Returns the profile columns to store; raises InvalidPayoutDetails naming the first field at
    fault. `values` may hold bank_code, bank_name, bank_account, account_holder, momo_phone and
    paypal_email.
    """
    if method not in METHODS:
        raise InvalidPayoutDetails("method", _l("Choose how you want to be paid."))

    def wanted(own_method: str, *names: str) -> bool:
        # The chosen method's details are required; another method's are checked only if filled in.
        return method == own_method or any(_squash(values.get(n)) for n in names)

    result = {"payout_method": method, "bank_code": None, "bank_name": None, "bank_account": None,
              "account_holder": None, "momo_phone": None, "paypal_email": None}
    if wanted("bank_transfer", "bank_account", "account_holder"):
        result["bank_code"], result["bank_name"] = clean_bank(values.get("bank_code"), values.get("bank_name"))
        result["bank_account"] = clean_account_number(values.get("bank_account"))
        result["account_holder"] = clean_account_holder(values.get("account_holder"))
    if wanted("momo", "momo_phone"):
        result["momo_phone"] = clean_momo_phone(values.get("momo_phone"))
    if wanted("paypal", "paypal_email"):
        result["paypal_email"] = clean_paypal_email(values.get("paypal_email"))
    return result


def profile_of(affiliate_id: int) -> AffiliateProfile | None:
    return db.session.get(AffiliateProfile, affiliate_id)


def masked_state(profile: AffiliateProfile | None) -> dict:
    """The profile's details with the account number and phone masked, for audit events."""
    if profile is None:
        return {}
    return {"method": profile.payout_method, "bank_code": profile.bank_code, "bank_name": profile.bank_name,
            "bank_account": mask(profile.bank_account), "account_holder": profile.account_holder,
            "momo_phone": mask(profile.momo_phone), "paypal_email": profile.paypal_email}


def update(affiliate_id: int, method: str | None, values: dict, ip: str | None = None) -> AffiliateProfile:
    """Save the affiliate's payout details (validated again here); commits and audits the change."""
    cleaned = clean(method, values)
    user = db.session.get(User, affiliate_id)
    if user is None or user.role != "affiliate":
        raise PayoutError("Only affiliates have payout details.")
    profile = profile_of(affiliate_id)
    if profile is None:
        profile = AffiliateProfile(user_id=affiliate_id)
        db.session.add(profile)
    if all(getattr(profile, column) == value for column, value in cleaned.items()):
        db.session.rollback()
        return profile_of(affiliate_id)
    before = masked_state(profile) if profile.payout_method else None
    for column, value in cleaned.items():
        setattr(profile, column, value)
    after = masked_state(profile)
    trail.record("payout_details.changed", profile, actor_id=affiliate_id, ip=ip, object_id=affiliate_id,
                 before=before, after=after)
    db.session.commit()
    logger.info("payout details changed affiliate={} method={} account={}", affiliate_id, method,
                mask(profile.bank_account) or mask(profile.momo_phone) or "-")
    return profile


def snapshot(affiliate_id: int) -> dict:
    """The details of the default method as they are now, to copy onto a payout request."""
    details = details_of(profile_of(affiliate_id))
    if details is None or not all(details.values()):
        raise PayoutDetailsMissing()
    return details


def details_of(profile: AffiliateProfile | None) -> dict | None:
    """The profile's current default method and its details, shaped like a request's snapshot."""
    if profile is None or profile.payout_method not in METHODS:
        return None
    fields = {"bank_transfer": ("bank_code", "bank_name", "bank_account", "account_holder"),
              "momo": ("momo_phone",), "paypal": ("paypal_email",)}[profile.payout_method]
    return {"method": profile.payout_method, **{f: getattr(profile, f) for f in fields}}


def destination(details: dict | None) -> str:
    """Where the money goes, with the account number masked: "Vietcombank •••• 6789"."""
    details = details or {}
    method = details.get("method")
    if method == "bank_transfer":
        return f"{details.get('bank_name') or ''} {mask(details.get('bank_account'))}".strip()
    if method == "momo":
        return f"Momo {mask(details.get('momo_phone'))}"
    if method == "paypal":
        return f"PayPal {details.get('paypal_email') or ''}".strip()
    if method == "stripe":
        return f"Stripe {details.get('stripe_account_id') or ''}".strip()
    return label(method) if method else ""
