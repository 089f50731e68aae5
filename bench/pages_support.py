"""The pages benchmark's workings: one app per database, signed-in clients, the pages and their URLs."""
import time
from datetime import timedelta

from sqlalchemy import func, select, text

# A position half a year back in the newest-first lists: what "page 2000" was before keyset reading.
DEEP = timedelta(days=180)
FAR_ID = 10**18


def _config(url: str):
    from app.config import Config

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url

    return BenchConfig


class Site:
    """The app over one database, with the admin, the busiest merchant and the busiest affiliate signed in."""

    def __init__(self, url: str, generate: str):
        from app import create_app

        self.url, self.generate = url, generate
        self.app = create_app(_config(url))
        self.app.testing = False
        with self.app.app_context():
            self._check_data()
            self.caught_up = self._catch_up()
            self.users, self.ids = self._people()
        self.clients = {role: self._client(user_id) for role, user_id in self.users.items()}

    def _check_data(self) -> None:
        from app.extensions import db

        rows = db.session.scalar(text("SELECT reltuples::bigint FROM pg_class WHERE relname = 'clicks'"))
        if not rows or rows < 500_000:
            raise SystemExit(f"{self.url} holds {rows or 0:,} clicks; fill it first with\n  "
                             f"DATABASE_URL={self.url} .venv/bin/flask db upgrade && "
                             f"DATABASE_URL={self.url} .venv/bin/{self.generate}")
        self.clicks = rows

    def _catch_up(self):
        """Fold whatever the rollup has not counted yet, as production's scheduled job keeps doing.

        Otherwise every page would add the clicks above an old watermark to its figures: not what a
        page costs when the job runs every few minutes.
        """
        from app.services.analytics import rollup

        return rollup.run(wait=True)

    def _people(self) -> tuple[dict, dict]:
        from app.extensions import db
        from app.models.campaigns import Campaign
        from app.models.conversions import Conversion
        from app.models.tracking import Click, Link
        from app.models.users import User

        admin = db.session.scalar(select(User.id).where(User.role == "admin").order_by(User.id))
        merchant = db.session.scalar(select(Campaign.merchant_id).group_by(Campaign.merchant_id)
                                     .order_by(func.count().desc(), Campaign.merchant_id).limit(1))
        affiliate = db.session.scalar(select(Link.affiliate_id).group_by(Link.affiliate_id)
                                      .order_by(func.count().desc(), Link.affiliate_id).limit(1))
        # The merchant's busiest campaign (by links, read cheaply), one of its affiliates, the admin's busiest.
        campaign = db.session.scalar(select(Link.campaign_id).join(Campaign, Campaign.id == Link.campaign_id)
                                     .where(Campaign.merchant_id == merchant).group_by(Link.campaign_id)
                                     .order_by(func.count().desc()).limit(1))
        # The affiliate of that campaign with the most conversions: its filtered list shows full pages at
        # either size (the first member by id had none at 1 M and one at 5 M, comparing an empty page with
        # a page of one row rather than the same page over more clicks).
        member = db.session.scalar(select(User.email).join(Conversion, Conversion.affiliate_id == User.id)
                                   .where(Conversion.campaign_id == campaign).group_by(User.id, User.email)
                                   .order_by(func.count().desc(), User.id).limit(1))
        newest = db.session.scalar(select(func.max(Click.created_at)))
        return ({"admin": admin, "merchant": merchant, "affiliate": affiliate},
                {"campaign": campaign, "member": member, "deep": newest - DEEP})

    def describe(self) -> str:
        return (f"{self.url.rsplit('/', 1)[-1]}, about {self.clicks:,} clicks; rollup caught up "
                f"({self.caught_up.clicks:,} clicks, {self.caught_up.changes:,} conversion changes folded "
                f"in {self.caught_up.seconds:.1f} s)")

    def _client(self, user_id: int):
        from app.extensions import db
        from app.models.users import User

        client = self.app.test_client()
        with self.app.app_context():
            user = db.session.get(User, user_id)
            with client.session_transaction() as session:
                session["_user_id"] = user.get_id()
                session["_fresh"] = True
        return client

    def pages(self) -> list[tuple[str, str, str, str]]:
        """(role, name, kind, URL) of every page measured.

        kind: "dashboard", "list", "export" (timed to its first bytes) or "file" (an export to its last byte).
        """
        from app.services.common.keyset import Cursor

        deep = Cursor(self.ids["deep"], FAR_ID).token
        campaign, member = self.ids["campaign"], self.ids["member"]
        reviewer = [
            ("conversions", "list", "/conversions/"),
            ("conversions, pending", "list", "/conversions/?status=pending"),
            ("conversions, half a year back", "list", f"/conversions/?older={deep}"),
            ("clicks", "list", "/conversions/campaign-clicks"),
            ("clicks, half a year back", "list", f"/conversions/campaign-clicks?older={deep}"),
            ("clicks, one campaign", "list", f"/conversions/campaign-clicks?campaign={campaign}"),
            ("campaigns", "list", "/campaigns/"),
            ("campaign page", "list", f"/campaigns/{campaign}"),
            ("campaign members", "list", f"/campaigns/{campaign}/affiliates"),
            ("analytics, 30 days", "list", "/analytics/"),
        ]
        pages = [("admin", "dashboard", "dashboard", "/home/admin")]
        pages += [("admin", name, kind, url) for name, kind, url in reviewer]
        pages += [("admin", "audit log", "list", "/admin/audit"),
                  ("admin", "audit log, half a year back", "list", f"/admin/audit?older={deep}"),
                  ("admin", "audit CSV export", "export", "/admin/audit/export"),
                  ("admin", "audit CSV export, whole file", "file", "/admin/audit/export"),
                  ("admin", "users", "list", "/admin/users"),
                  ("admin", "payout queue", "list", "/payouts/admin"),
                  ("admin", "payouts CSV export", "export", "/payouts/admin/export.csv")]
        pages += [("merchant", "dashboard", "dashboard", "/home/merchant")]
        pages += [("merchant", name, kind, url) for name, kind, url in reviewer]
        pages += [("merchant", "conversions, one affiliate", "list", f"/conversions/?affiliate={member}"),
                  ("merchant", "applications", "list", "/campaigns/applications")]
        pages += [("affiliate", "dashboard", "dashboard", "/home/affiliate"),
                  ("affiliate", "conversions", "list", "/conversions/mine"),
                  ("affiliate", "clicks", "list", "/conversions/clicks"),
                  ("affiliate", "clicks, half a year back", "list", f"/conversions/clicks?older={deep}"),
                  ("affiliate", "links", "list", "/links/"),
                  ("affiliate", "payouts", "list", "/payouts/"),
                  ("affiliate", "balance", "list", "/payouts/balance"),
                  ("affiliate", "campaign directory", "list", "/campaigns/directory"),
                  ("affiliate", "analytics, 30 days", "list", "/analytics/")]
        return pages

    def url_of(self, role: str, name: str) -> str:
        return next(url for page_role, page_name, _kind, url in self.pages() if (page_role, page_name) == (role, name))

    def get(self, role: str, url: str) -> None:
        response = self.clients[role].get(url)
        response.get_data()
        if response.status_code != 200:
            raise SystemExit(f"{self.describe()}: {role} {url} answered {response.status_code}")

    def timed(self, role: str, url: str, whole: bool = False) -> float:
        """Milliseconds until the whole page, or for a streamed export until its first bytes, arrived."""
        started = time.perf_counter()
        response = self.clients[role].get(url)
        if response.is_streamed and not whole:
            next(iter(response.response), b"")
            elapsed = (time.perf_counter() - started) * 1000
            response.close()
        else:
            response.get_data()
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{self.describe()}: {role} {url} answered {response.status_code}")
        return elapsed

    def rollup_version(self) -> int:
        from app.extensions import db

        with self.app.app_context():
            return db.session.scalar(text("SELECT version FROM stats_state WHERE id = 1")) or 0

    def bump_rollup_version(self) -> int:
        """Move the rollup's version (what its cached figures are keyed by) far from the other database's."""
        from app.extensions import db

        with self.app.app_context():
            version = db.session.scalar(text("UPDATE stats_state SET version = version + 1000003 WHERE id = 1 "
                                             "RETURNING version"))
            db.session.commit()
            return version

    def close(self) -> None:
        from app.extensions import db

        with self.app.app_context():
            db.engine.dispose()
