"""The generated clicks: a year of traffic shaped like the real thing, and the clicks that led to orders.

- Volume per day follows a slow growth, the week (weekends busier), Vietnam's shopping calendar
  (double-day sales 9.9 … 12.12, Black Friday, the rush before Tết and the lull during it) and some
  noise; within a day it follows the hours people are online (evening peak, quiet nights).
- Links are drawn by Zipf's law (`LinkSpec.weight`), only once they exist; a link whose campaign was
  paused or whose affiliate left mostly stops being shared, and what it still gets earns nothing.
- Visitors come back: some click the same link again minutes or hours later (not unique within the
  hour, the app's rule), and robots that pass the redirect's user-agent check click in bursts from
  data-centre addresses.
- Each visitor gets an address of their own, so the uniqueness written here is exactly the rule.
- The clicks that turn into orders are drawn while the clicks are made (a weighted reservoir over
  unique, earning, human clicks), so each conversion points at a real click.
"""
import base64
import bisect
import heapq
import itertools
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.demo.generate_people import LinkSpec, Programme

COLUMNS = ("id", "public_id", "link_id", "campaign_id", "affiliate_id", "created_at", "ip", "user_agent",
           "referrer", "sub1", "sub2", "sub3", "sub4", "sub5", "is_unique", "is_attributable")
UNIQUE_WINDOW = timedelta(hours=1)
REPEAT_SHARE = 0.15
ROBOT_SESSION_SHARE = 0.002
# Affiliates drop a link whose campaign stopped paying; most clicks it would have had go elsewhere.
DEAD_LINK_KEPT = 0.15
HOURS = (2, 1, 1, 1, 1, 2, 4, 6, 7, 7, 8, 9, 9, 8, 7, 7, 7, 8, 9, 11, 12, 12, 10, 5)
WEEKDAYS = (1.0, 0.97, 0.95, 0.98, 1.05, 1.2, 1.15)
TET = (date(2024, 2, 10), date(2025, 1, 29), date(2026, 2, 17), date(2027, 2, 6), date(2028, 1, 26),
       date(2029, 2, 13), date(2030, 2, 3))
HUMAN_FIRST_OCTETS = (14, 27, 42, 113, 115, 116, 117, 118, 123, 125, 171, 183)
ROBOT_FIRST_OCTETS = (34, 35, 45, 103, 185)
USER_AGENTS = (
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile "
    "Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
    "Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
    "Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 13; Redmi Note 12) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile "
    "Safari/537.36 Zalo android/12100",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
    "[FBAN/FBIOS;FBAV/468.0.0]",
    "Mozilla/5.0 (Linux; Android 12; CPH2269) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile "
    "Safari/537.36 musical_ly_2023405030",
)
# Robots that look enough like a browser to be redirected and recorded (the conversion review flags
# the automation tools among them).
ROBOT_AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Safari/537.36 "
    "Puppeteer",
    "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0 Selenium",
)
REFERRERS = ("https://www.facebook.com/", "https://l.facebook.com/", "https://www.google.com/",
             "https://www.tiktok.com/", "https://zalo.me/", "https://www.youtube.com/", None)
REFERRER_CUMULATIVE = tuple(itertools.accumulate((25, 15, 20, 15, 8, 5, 12)))
AGENT_CUMULATIVE = tuple(itertools.accumulate((30, 25, 15, 6, 10, 9, 5)))
HOUR_CUMULATIVE = tuple(itertools.accumulate(HOURS))


@dataclass
class ClickStats:
    clicks: int = 0
    unique: int = 0
    robots: int = 0
    repeats: int = 0
    not_earning: int = 0


@dataclass
class Converting:
    """The clicks chosen to lead to an order: a weighted reservoir of fixed size."""

    size: int
    heap: list = field(default_factory=list)
    seen: int = 0

    def offer(self, rng, weight: float, click: tuple) -> None:
        self.seen += 1
        key = math.log(1.0 - rng.random()) / weight
        if len(self.heap) < self.size:
            heapq.heappush(self.heap, (key, self.seen, click))
        elif key > self.heap[0][0]:
            heapq.heapreplace(self.heap, (key, self.seen, click))

    def clicks(self) -> list[tuple]:
        return sorted((item[2] for item in self.heap), key=lambda c: c[5])


def day_weight(day: date, progress: float, rng) -> float:
    """How busy `day` is relative to an ordinary day; `progress` runs 0 → 1 over the period."""
    weight = (0.6 + 0.8 * progress) * WEEKDAYS[day.weekday()] * rng.lognormvariate(0, 0.08)
    if day.month >= 9 and day.day == day.month:
        weight *= 2.5
    elif day.month >= 9 and day.day == day.month - 1:
        weight *= 1.3
    if day.month == 11 and 23 <= day.day <= 29 and day.weekday() == 4:
        weight *= 1.8
    for tet in TET:
        offset = (day - tet).days
        if -14 <= offset <= -3:
            weight *= 1.4
        elif -1 <= offset <= 5:
            weight *= 0.5
    return weight


def plan_days(rng, start: datetime, now: datetime, total: int, tz: str) -> list[tuple]:
    """(local midnight, from, to, clicks) per local day between `start` and `now` (naive UTC), adding up to `total`."""
    zone = ZoneInfo(tz)
    first = start.replace(tzinfo=UTC).astimezone(zone).date()
    last = now.replace(tzinfo=UTC).astimezone(zone).date()
    days, span = [], max((last - first).days, 1)
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        midnight = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
        begin, end = max(midnight, start), min(midnight + timedelta(days=1), now)
        if end > begin:
            covered = (end - begin) / timedelta(days=1)
            days.append((midnight, begin, end, day_weight(day, n / span, rng) * covered))
    scale = total / sum(d[3] for d in days)
    counts = [int(d[3] * scale) for d in days]
    for i in sorted(range(len(days)), key=lambda i: days[i][3] * scale - counts[i], reverse=True)[:total - sum(counts)]:
        counts[i] += 1
    return [(*day[:3], count) for day, count in zip(days, counts, strict=True)]


class Traffic:
    """Makes the clicks of each day; `converting` collects the clicks that will become orders."""

    def __init__(self, rng, programme: Programme, conversions: int):
        self.rng = rng
        self.links = sorted(programme.links, key=lambda link: link.created_at)
        self.created = [link.created_at for link in self.links]
        self.cumulative = list(itertools.accumulate(link.weight for link in self.links))
        quality = {a: rng.lognormvariate(0, 0.6) for a in programme.affiliates}
        self.buy_weight = {link.id: programme.campaigns[link.campaign_id].appeal * quality[link.affiliate_id]
                           for link in self.links}
        self.converting = Converting(conversions)
        self.stats = ClickStats()
        self.visitors = 0
        self.robots = 0

    def day(self, midnight: datetime, begin: datetime, end: datetime, count: int,
            reserve_ids: Callable[[int], range]) -> list[tuple]:
        """The day's clicks as rows of COLUMNS, in time order, with ids from `reserve_ids`."""
        available = bisect.bisect_left(self.created, end)
        if not available or not count:
            return []
        rows, dead_skipped = [], 0
        while len(rows) < count:
            for link in self._draw(available, max(16, (count - len(rows)) * 5 // 6)):
                at = self._moment(midnight, begin, end, link.created_at)
                stopped = link.earns_until is not None and at >= link.earns_until
                # Only while other links can take the click (a tiny programme may have no live link left).
                if stopped and self.rng.random() > DEAD_LINK_KEPT and dead_skipped < 20 * count:
                    dead_skipped += 1
                    continue
                self._session(link, at, end, rows)
                if len(rows) >= count:
                    break
        rows = sorted(rows[:count], key=lambda r: r[4])
        ids = reserve_ids(len(rows))
        blob = base64.urlsafe_b64encode(os.urandom(18 * len(rows))).decode()
        out = []
        for i, (link, robot, unique, ip, at, agent, referrer, sub2) in enumerate(rows):
            earning = link.earns_until is None or at < link.earns_until
            click = (ids[i], blob[24 * i:24 * i + 22], link.id, link.campaign_id, link.affiliate_id, at, ip, agent,
                     referrer, link.sub_id, sub2, None, None, None, unique, earning)
            out.append(click)
            self._count(click, robot, unique, earning)
        return out

    def _count(self, click: tuple, robot: bool, unique: bool, earning: bool) -> None:
        stats = self.stats
        stats.clicks += 1
        stats.unique += unique
        stats.robots += robot
        stats.repeats += not unique
        stats.not_earning += not earning
        if unique and earning and not robot:
            self.converting.offer(self.rng, self.buy_weight[click[2]], click)

    def _draw(self, available: int, n: int) -> list[LinkSpec]:
        return self.rng.choices(self.links[:available], cum_weights=self.cumulative[:available], k=n)

    def _moment(self, midnight: datetime, begin: datetime, end: datetime, not_before: datetime) -> datetime:
        """A moment in [begin, end) following the hours people are online, not before `not_before`."""
        rng = self.rng
        for _ in range(8):
            hour = bisect.bisect(HOUR_CUMULATIVE, rng.random() * HOUR_CUMULATIVE[-1])
            at = midnight + timedelta(seconds=(hour + rng.random()) * 3600)
            if begin <= at < end and at >= not_before:
                return at
        earliest = max(begin, not_before)
        return earliest + (end - earliest) * rng.random()

    def _session(self, link: LinkSpec, at: datetime, end: datetime, rows: list) -> None:
        """One visitor's clicks on `link` from `at`: a person (maybe coming back) or a robot's burst."""
        rng = self.rng
        robot = rng.random() < ROBOT_SESSION_SHARE
        if robot:
            self.robots += 1
            ip = _address(ROBOT_FIRST_OCTETS, self.robots)
            agent, referrer, sub2 = rng.choice(ROBOT_AGENTS), None, None
            moments = sorted(at + timedelta(seconds=rng.uniform(0, rng.choice((120, 600, 1800))))
                             for _ in range(rng.randint(10, 40)))
        else:
            self.visitors += 1
            ip = _address(HUMAN_FIRST_OCTETS, self.visitors)
            agent = rng.choices(USER_AGENTS, cum_weights=AGENT_CUMULATIVE)[0]
            referrer = rng.choices(REFERRERS, cum_weights=REFERRER_CUMULATIVE)[0]
            sub2 = f"post-{rng.randrange(1, 400)}" if rng.random() < 0.2 else None
            moments = [at]
            while rng.random() < REPEAT_SHARE and len(moments) < 5:
                moments.append(moments[-1] + timedelta(minutes=rng.uniform(1, 180)))
        last_unique = None
        for moment in moments:
            if moment >= end:
                break
            unique = last_unique is None or moment - last_unique >= UNIQUE_WINDOW
            if unique:
                last_unique = moment
            rows.append((link, robot, unique, ip, moment, agent, referrer, sub2))


def _address(first_octets: tuple[int, ...], number: int) -> str:
    """A different IPv4 address for every `number` (an odd multiplier permutes 24 bits)."""
    first = first_octets[number % len(first_octets)]
    rest = ((number // len(first_octets)) * 0x9E3779B1) & 0xFFFFFF
    return f"{first}.{rest >> 16}.{(rest >> 8) & 255}.{rest & 255}"
