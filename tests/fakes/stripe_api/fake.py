"""`FakeStripe`: the stand-in started on a free loopback port, with the controls tests use.

    with FakeStripe() as fake:
        app.config.update(STRIPE_API_KEY=fake.api_key, STRIPE_API_BASE=fake.url)
        account = fake.ready_account("US")
        fake.fail("POST", "/v1/transfers", "error_after")
"""
import threading

from tests.fakes.stripe_api.faults import Fault, FaultPlan
from tests.fakes.stripe_api.server import Api, Call, FakeStripeServer
from tests.fakes.stripe_api.state import StripeState


class FakeStripe:
    def __init__(self, api_key: str = "sk_test_fake_platform_key"):
        self.api_key = api_key
        self.state = StripeState()
        self.faults = FaultPlan()
        self.api = Api(self.state, self.faults, api_key)
        self._server: FakeStripeServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> "FakeStripe":
        self._server = FakeStripeServer(self.api)
        self.state.base_url = self.url
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-stripe", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.faults.clear()  # lets held requests go, so their threads end
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self._server = None

    def __enter__(self) -> "FakeStripe":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # Controls -------------------------------------------------------------------------------------

    def fail(self, method: str, path: str, mode: str, *, times: int = 1, delay: float = 30.0, skip: int = 0) -> Fault:
        return self.faults.add(method, path, mode, times=times, delay=delay, skip=skip)

    def account_in(self, state: str, country: str = "US", email: str | None = None) -> dict:
        """A connected account created directly in the given state (see objects.ACCOUNT_STATES)."""
        account = self.state.create_account({"type": "express", "country": country, "email": email,
                                             "capabilities": {"transfers": {"requested": "true"}}})
        if state != "new":
            self.state.set_account_state(account["id"], state)
        return self.state.retrieve_account(account["id"])

    def ready_account(self, country: str = "US", email: str | None = None) -> dict:
        return self.account_in("ready", country, email)

    def set_account_state(self, account_id: str, state: str) -> dict:
        """Change the account and return the `account.updated` event Stripe would send."""
        return self.state.set_account_state(account_id, state)

    def top_up(self, currency: str, amount: int) -> None:
        self.state.top_up(currency, amount)

    def advance(self, seconds: int) -> None:
        """Move the stand-in's clock: links expire after 5 minutes, idempotency keys after 24 hours."""
        with self.state.lock:
            self.state.clock_offset += seconds

    def transfers(self, destination: str | None = None, group: str | None = None) -> list[dict]:
        return self.state.transfers_to(destination, group)

    def events(self, event_type: str | None = None) -> list[dict]:
        with self.state.lock:
            return [e for e in self.state.events if event_type is None or e["type"] == event_type]

    def calls(self, method: str | None = None, path: str | None = None) -> list[Call]:
        with self.api._lock:
            return [c for c in self.api.calls
                    if (method is None or c.method == method) and (path is None or c.path == path)]
