"""What the stand-in Stripe holds — connected accounts, transfers, the platform balance, events — and the
rules Stripe applies when they change. Every method runs under one lock; the HTTP layer calls them.
"""
import threading
import time

from tests.fakes.stripe_api import objects

API_VERSION = "2026-10-28.endive"
LINK_SECONDS = 300  # an Account Link is valid for five minutes
LIST_MAX = 100
MINIMUM_TRANSFER = 1
COUNTRIES_WITHOUT_EXPRESS = frozenset({"VN"})


class FakeError(Exception):
    """A refusal answered as Stripe's error body. `stored`: kept as the idempotent result of the key."""

    def __init__(self, status: int, error_type: str, message: str, code: str | None = None,
                 param: str | None = None, stored: bool = False):
        super().__init__(message)
        self.status, self.stored = status, stored
        self.body = objects.error_body(error_type, message, code, param)


def invalid(message: str, param: str | None = None, code: str | None = "parameter_invalid_empty") -> FakeError:
    return FakeError(400, "invalid_request_error", message, code, param)


def missing(kind: str, object_id: str, param: str | None = None) -> FakeError:
    return FakeError(404, "invalid_request_error", f"No such {kind}: '{object_id}'", "resource_missing", param)


def _amount(value, param: str = "amount") -> int:
    if value is None or value == "":
        raise invalid(f"Missing required param: {param}.", param, "parameter_missing")
    if not str(value).isdigit():
        raise invalid(f"Invalid integer: {value}", param, "parameter_invalid_integer")
    return int(value)


def _metadata(value) -> dict:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise invalid("Invalid hash", "metadata", "parameter_invalid")
    return {str(k): str(v) for k, v in value.items()}


class StripeState:
    def __init__(self, base_url: str = ""):
        self.lock = threading.RLock()
        self.base_url = base_url
        self.clock_offset = 0
        self.accounts: dict[str, dict] = {}
        self.links: dict[str, dict] = {}  # token → {account, refresh_url, return_url, expires_at, used}
        self.transfers: dict[str, dict] = {}  # in creation order
        self.available: dict[str, int] = {}
        self.pending: dict[str, int] = {}
        self.events: list[dict] = []
        self.onboarding_result = "ready"

    def now(self) -> int:
        return int(time.time()) + self.clock_offset

    def _emit(self, event_type: str, obj: dict, **kwargs) -> dict:
        event = objects.event(event_type, _copy(obj), created=self.now(), api_version=API_VERSION, **kwargs)
        self.events.append(event)
        return event

    # Accounts -------------------------------------------------------------------------------------

    def create_account(self, params: dict) -> dict:
        if params.get("type") not in ("express", "standard", "custom"):
            raise invalid("Missing required param: type.", "type", "parameter_missing")
        country = (params.get("country") or "US").upper()
        if country in COUNTRIES_WITHOUT_EXPRESS:
            raise FakeError(400, "invalid_request_error", f"Connected accounts cannot be created in {country}.",
                            "country_unsupported", "country")
        agreement = (params.get("tos_acceptance") or {}).get("service_agreement") or "full"
        with self.lock:
            account = objects.account(objects.new_id("acct", 16), country=country, email=params.get("email"),
                                      created=self.now(), default_currency="usd" if country == "US" else "eur",
                                      metadata=_metadata(params.get("metadata")), service_agreement=agreement)
            self.accounts[account["id"]] = account
            return _copy(account)

    def account(self, account_id: str) -> dict:
        with self.lock:
            if account_id not in self.accounts:
                raise FakeError(403, "invalid_request_error",
                                "The provided key does not have access to account "
                                f"'{account_id}' (or that account does not exist).", "account_invalid")
            return self.accounts[account_id]

    def retrieve_account(self, account_id: str) -> dict:
        with self.lock:
            return _copy(self.account(account_id))

    def update_account(self, account_id: str, params: dict) -> dict:
        with self.lock:
            account = self.account(account_id)
            if "metadata" in params:
                account["metadata"].update(_metadata(params["metadata"]))
            if params.get("email"):
                account["email"] = params["email"]
            return _copy(account)

    def set_account_state(self, account_id: str, state: str) -> dict:
        """Move an account to another state and emit `account.updated`, as Stripe does after a review."""
        with self.lock:
            account = self.account(account_id)
            before = {key: _copy(account[key]) for key in ("capabilities", "requirements", "payouts_enabled",
                                                            "details_submitted")}
            objects.set_state(account, state)
            return self._emit("account.updated", account, account_id=account_id, previous_attributes=before)

    def create_account_link(self, params: dict) -> dict:
        account_id = params.get("account") or ""
        if params.get("type") not in ("account_onboarding", "account_update"):
            raise invalid("Invalid type: must be one of account_onboarding or account_update", "type")
        for name in ("refresh_url", "return_url"):
            if not params.get(name, "").startswith(("http://", "https://")):
                raise invalid(f"Not a valid URL: {name}", name, "url_invalid")
        with self.lock:
            self.account(account_id)
            token = objects.new_id("link", 20)
            now = self.now()
            self.links[token] = {"account": account_id, "refresh_url": params["refresh_url"],
                                 "return_url": params["return_url"], "expires_at": now + LINK_SECONDS,
                                 "used": False}
            return objects.account_link(f"{self.base_url}/setup/e/{account_id}/{token}", now, now + LINK_SECONDS)

    def create_login_link(self, account_id: str) -> dict:
        with self.lock:
            account = self.account(account_id)
            if not account["details_submitted"]:
                raise invalid("Cannot create a login link for an account that has not completed onboarding.",
                              "account", "account_invalid")
            return objects.login_link(f"{self.base_url}/express/{account_id}/{objects.new_id('ll', 12)}", self.now())

    def open_link(self, token: str) -> tuple[str, dict | None]:
        """A browser arrives at an onboarding link: ("form", link) or ("refresh", link) when it is spent or old."""
        with self.lock:
            link = self.links.get(token)
            if link is None:
                return "unknown", None
            if link["used"] or link["expires_at"] < self.now():
                return "refresh", link
            link["used"] = True
            return "form", link

    def finish_onboarding(self, account_id: str) -> None:
        self.set_account_state(account_id, self.onboarding_result)

    # Money ----------------------------------------------------------------------------------------

    def top_up(self, currency: str, amount: int) -> None:
        with self.lock:
            self.available[currency.lower()] = self.available.get(currency.lower(), 0) + amount

    def balance(self) -> dict:
        with self.lock:
            return objects.balance(self.available, self.pending)

    def create_transfer(self, params: dict, request: dict | None = None) -> dict:
        amount = _amount(params.get("amount"))
        currency = (params.get("currency") or "").lower()
        destination = params.get("destination") or ""
        if not currency:
            raise invalid("Missing required param: currency.", "currency", "parameter_missing")
        if not destination:
            raise invalid("Missing required param: destination.", "destination", "parameter_missing")
        if amount < MINIMUM_TRANSFER:
            raise invalid("Amount must be at least 1.", "amount", "amount_too_small")
        with self.lock:
            account = self.accounts.get(destination)
            if account is None:
                raise missing("destination", destination, "destination")
            if account["capabilities"].get("transfers") != "active":
                raise FakeError(400, "invalid_request_error",
                                "Your destination account needs to have at least one of the following capabilities "
                                "enabled: transfers, crypto_transfers, legacy_payments",
                                "insufficient_capabilities_for_transfer", stored=True)
            if self.available.get(currency, 0) < amount:
                raise FakeError(400, "invalid_request_error",
                                "You have insufficient available funds in your Stripe account. Try adding funds "
                                "directly to your available balance by creating Charges using the 4000000000000077 "
                                "test card.", "balance_insufficient", stored=True)
            self.available[currency] -= amount
            transfer = objects.transfer(objects.new_id("tr"), amount=amount, currency=currency,
                                        destination=destination, created=self.now(),
                                        description=params.get("description"),
                                        metadata=_metadata(params.get("metadata")),
                                        transfer_group=params.get("transfer_group") or None)
            self.transfers[transfer["id"]] = transfer
            self._emit("transfer.created", transfer, request=request)
            return _copy(transfer)

    def transfer(self, transfer_id: str) -> dict:
        with self.lock:
            if transfer_id not in self.transfers:
                raise missing("transfer", transfer_id, "id")
            return _copy(self.transfers[transfer_id])

    def list_transfers(self, params: dict) -> dict:
        limit = _amount(params.get("limit") or "10", "limit")
        if not 1 <= limit <= LIST_MAX:
            raise invalid("This value must be between 1 and 100.", "limit", "parameter_invalid_integer")
        created = params.get("created") if isinstance(params.get("created"), dict) else {}
        bounds = {op: _amount(value, f"created[{op}]") for op, value in created.items()}
        with self.lock:
            found = [t for t in reversed(self.transfers.values())  # newest first, as Stripe lists
                     if (not params.get("transfer_group") or t["transfer_group"] == params["transfer_group"])
                     and (not params.get("destination") or t["destination"] == params["destination"])
                     and _within(t["created"], bounds)]
            ids = [t["id"] for t in found]
            if params.get("starting_after"):
                if params["starting_after"] not in ids:
                    raise missing("transfer", params["starting_after"], "starting_after")
                found = found[ids.index(params["starting_after"]) + 1:]
            elif params.get("ending_before"):
                if params["ending_before"] not in ids:
                    raise missing("transfer", params["ending_before"], "ending_before")
                found = found[:ids.index(params["ending_before"])][-limit:]
            return {"object": "list", "url": "/v1/transfers", "has_more": len(found) > limit,
                    "data": [_copy(t) for t in found[:limit]]}

    def create_reversal(self, transfer_id: str, params: dict, request: dict | None = None) -> dict:
        with self.lock:
            if transfer_id not in self.transfers:
                raise missing("transfer", transfer_id, "id")
            transfer = self.transfers[transfer_id]
            remaining = transfer["amount"] - transfer["amount_reversed"]
            amount = remaining if params.get("amount") in (None, "") else _amount(params["amount"])
            if remaining <= 0:
                raise FakeError(400, "invalid_request_error", f"Transfer {transfer_id} is already fully reversed.",
                                stored=True)
            if not 0 < amount <= remaining:
                raise invalid(f"Amount ({amount}) is greater than the unreversed amount ({remaining}).", "amount",
                              "parameter_invalid_integer")
            reversal = objects.reversal(transfer_id, amount=amount, currency=transfer["currency"],
                                        created=self.now(), metadata=_metadata(params.get("metadata")))
            transfer["amount_reversed"] += amount
            transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
            transfer["reversals"]["data"].insert(0, reversal)
            self.available[transfer["currency"]] = self.available.get(transfer["currency"], 0) + amount
            self._emit("transfer.reversed", transfer, request=request,
                       previous_attributes={"amount_reversed": transfer["amount_reversed"] - amount,
                                            "reversed": False})
            return _copy(reversal)

    def pay_out(self, account_id: str, amount: int, currency: str, *, fail: str | None = None) -> list[dict]:
        """The connected account's balance goes to its bank: `payout.paid`, or `payout.failed` with `fail` as code."""
        with self.lock:
            self.account(account_id)
            now = self.now()
            payout = objects.payout(amount=amount, currency=currency.lower(), created=now,
                                    arrival_date=now + 2 * 86400, status="in_transit")
            events = [self._emit("payout.created", payout, account_id=account_id)]
            if fail:
                payout.update(status="failed", failure_code=fail, failure_message="The bank account has been closed.")
            else:
                payout["status"] = "paid"
            events.append(self._emit("payout.failed" if fail else "payout.paid", payout, account_id=account_id))
            return events

    def transfers_to(self, destination: str | None = None, group: str | None = None) -> list[dict]:
        with self.lock:
            return [_copy(t) for t in self.transfers.values()
                    if (destination is None or t["destination"] == destination)
                    and (group is None or t["transfer_group"] == group)]


def _within(created: int, bounds: dict) -> bool:
    checks = {"gt": created > bounds.get("gt", created - 1), "gte": created >= bounds.get("gte", created),
              "lt": created < bounds.get("lt", created + 1), "lte": created <= bounds.get("lte", created)}
    return all(checks.values())


def _copy(value):
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
