"""The analytics benchmark's workings: the app in-process, signed-in clients, timing and clean-up."""
import time

from flask import g
from sqlalchemy import func, select, text

CACHE_PATTERN = "stats:cache:*"


class Bench:
    def __init__(self, args):
        from app import create_app
        from app.extensions import db

        self.args, self.db = args, db
        self.app = create_app()
        self.app.testing = False
        self.context = self.app.app_context()
        self.context.push()
        self.users = self._users()
        self.clients = {role: self._client(user) for role, user in self.users.items()}
        self.added_from = None

    def _users(self) -> dict:
        from app.models.campaigns import Campaign
        from app.models.tracking import Link
        from app.models.users import User

        db = self.db
        admin = db.session.scalar(select(User).where(User.role == "admin").order_by(User.id))
        merchant_id = db.session.scalar(select(Campaign.merchant_id).group_by(Campaign.merchant_id)
                                        .order_by(func.count().desc(), Campaign.merchant_id).limit(1))
        affiliate_id = db.session.scalar(select(Link.affiliate_id).group_by(Link.affiliate_id)
                                         .order_by(func.count().desc(), Link.affiliate_id).limit(1))
        if admin is None or merchant_id is None or affiliate_id is None:
            raise SystemExit("no generated programme in this database")
        return {"admin": admin, "merchant": db.session.get(User, merchant_id),
                "affiliate": db.session.get(User, affiliate_id)}

    def _client(self, user):
        client = self.app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return client

    def check_data(self, generate: str) -> None:
        rows = self.db.session.scalar(text("SELECT reltuples::bigint FROM pg_class WHERE relname = 'clicks'"))
        if not rows or rows < 1_000_000:
            raise SystemExit(f"the database holds {rows or 0:,} clicks; fill it first with\n  "
                             f"DATABASE_URL={self.args.database_url} .venv/bin/{generate}")
        print(f"data: about {rows:,} clicks; users measured: "
              + ", ".join(f"{role} {user.email}" for role, user in self.users.items()))

    def rebuild(self) -> float:
        from app.services.analytics import rollup

        started = time.monotonic()
        rollup.rebuild()
        return time.monotonic() - started

    def print_sizes(self) -> None:
        rows = self.db.session.execute(text(
            "SELECT relname, n_live_tup, pg_size_pretty(pg_total_relation_size(relid)) FROM pg_stat_user_tables "
            "WHERE relname LIKE 'stats_%' OR relname = 'clicks' ORDER BY relname")).all()
        print("\ntables: " + "; ".join(f"{name} {count:,} rows {size}" for name, count, size in rows))

    def fold_new_clicks(self, count: int) -> float:
        """Add `count` clicks made in the last day (copies of the newest ones), time one rollup run."""
        from app.services.analytics import rollup

        rollup.run(wait=True)
        self.added_from = self.db.session.scalar(select(func.max(text("id"))).select_from(text("clicks")))
        self.db.session.execute(text(
            "INSERT INTO clicks (public_id, link_id, campaign_id, affiliate_id, created_at, ip, user_agent, referrer, "
            "sub1, is_unique, is_attributable) "
            "SELECT md5(random()::text || id::text), link_id, campaign_id, affiliate_id, "
            "(now() AT TIME ZONE 'UTC') - random() * interval '20 hours', ip, user_agent, referrer, sub1, is_unique, "
            "is_attributable FROM clicks WHERE id > :above ORDER BY id LIMIT :count"),
            {"above": self.added_from - count, "count": count})
        self.db.session.commit()
        started = time.monotonic()
        outcome = rollup.run(wait=True)
        seconds = time.monotonic() - started
        assert outcome.clicks >= count, outcome
        return seconds

    def pages(self) -> list[tuple[str, str, str]]:
        pages = []
        for role in ("admin", "merchant", "affiliate"):
            pages += [(role, "dashboard", f"/home/{role}"),
                      (role, "analytics, 30 days", "/analytics/"),
                      (role, "analytics, 90 days, compared", "/analytics/?range=90d&compare=y"),
                      (role, "analytics, last month, by link", "/analytics/?range=last_month&top=link"),
                      (role, "analytics, 30 days, by referrer", "/analytics/?top=referrer&sort=clicks"),
                      (role, "analytics, 30 days, by sub-ID", "/analytics/?top=sub_id"),
                      (role, "analytics, 365 days", "/analytics/?range=custom&date_from=2000-01-01"),
                      (role, "trend CSV, 90 days", "/analytics/export/trend.csv?range=90d")]
            if role != "affiliate":
                pages.append((role, "cohorts (loaded on scroll)", "/analytics/cohorts"))
        return pages

    def _forget_cache(self) -> None:
        from app.extensions import redis_connection

        connection = redis_connection()
        keys = list(connection.scan_iter(CACHE_PATTERN, count=1000))
        if keys:
            connection.delete(*keys)

    def timings(self, role: str, url: str, count: int, *, cold: bool, raw: bool = False) -> list[float]:
        client = self.clients[role]
        self.app.config["ANALYTICS_FROM_RAW"] = raw
        try:
            if not cold:
                self._get(client, url)
            times = []
            for _ in range(count):
                if cold:
                    self._forget_cache()
                started = time.perf_counter()
                self._get(client, url)
                times.append((time.perf_counter() - started) * 1000)
            return times
        finally:
            self.app.config["ANALYTICS_FROM_RAW"] = False

    @staticmethod
    def _get(client, url: str) -> None:
        # A real server starts every request with a fresh `g`; the context kept open here would not.
        for name in list(g):
            g.pop(name)
        response = client.get(url)
        response.get_data()
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code}")

    def clean_up(self) -> None:
        """Take the added clicks out again and put the rollup back as it was."""
        from app.services.analytics import rollup
        from app.services.analytics.sql import local_day_of

        if self.added_from is not None:
            # No conversion points at these copies; without the per-row foreign key check (conversions have
            # no index on click_id) the delete takes a second instead of hours.
            self.db.session.execute(text("SET LOCAL session_replication_role = replica"))
            self.db.session.execute(text("DELETE FROM clicks WHERE id > :above"), {"above": self.added_from})
            self.db.session.commit()
            today = local_day_of(self.db.session.scalar(text("SELECT now() AT TIME ZONE 'UTC'")),
                                 self.app.config["BABEL_DEFAULT_TIMEZONE"])
            rollup.rebuild(today.replace(day=1))
        self._forget_cache()
        self.context.pop()
