"""Charts drawn on the server: the geometry of line charts and sparklines, in SVG coordinates.

The templates (`analytics/_charts.html`) turn these into SVG; no script runs in the browser.
Axis labels come formatted for the reader's language by the caller's `label` function.
"""
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 28
SPARK_WIDTH, SPARK_HEIGHT = 96, 24
NICE_STEPS = (1, 2, 2.5, 5, 10)


@dataclass
class Point:
    x: float
    y: float
    value: int
    text: str  # what the point's tooltip says ("3/12: 1.234")


@dataclass
class LineChart:
    title: str
    summary: str
    width: int = WIDTH
    height: int = HEIGHT
    line: str = ""
    area: str = ""
    previous_line: str = ""
    points: list[Point] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    baseline: float = HEIGHT - BOTTOM
    left: int = LEFT
    right_edge: float = WIDTH - RIGHT


def nice_maximum(value: int, ticks: int = 4) -> tuple[int, int]:
    """(top of the axis, step between ticks): a round step so `ticks` steps reach at least `value`."""
    if value <= 0:
        return ticks, 1
    raw = Decimal(value) / ticks
    magnitude = Decimal(10) ** (len(str(int(raw))) - 1) if raw >= 1 else Decimal(1)
    for step in NICE_STEPS:
        candidate = Decimal(str(step)) * magnitude
        if candidate >= raw and candidate == candidate.to_integral_value():
            return int(candidate * ticks), int(candidate)
    return int(magnitude * 10 * ticks), int(magnitude * 10)


def _polyline(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def line_chart(values: Sequence[int], x_labels: Sequence[str], *, title: str, summary: str,
               label: Callable[[int], str], point_text: Callable[[int, int], str],
               previous: Sequence[int] | None = None, x_label_count: int = 6) -> LineChart:
    """A line (and the area under it) of `values`, one per x label; `previous` drawn dashed behind it."""
    chart = LineChart(title=title, summary=summary)
    highest = max([*values, *(previous or []), 0])
    top, step = nice_maximum(highest)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = len(values)

    def x_of(index: int) -> float:
        return LEFT + (plot_width * index / (count - 1) if count > 1 else plot_width / 2)

    def y_of(value: int) -> float:
        return TOP + plot_height * (1 - value / top)

    coordinates = [(x_of(i), y_of(v)) for i, v in enumerate(values)]
    chart.line = _polyline(coordinates)
    if coordinates:
        first, last = coordinates[0][0], coordinates[-1][0]
        chart.area = _polyline([(first, chart.baseline), *coordinates, (last, chart.baseline)])
    if previous:
        chart.previous_line = _polyline([(x_of(i), y_of(v)) for i, v in enumerate(previous[:count])])
    chart.points = [Point(x, y, v, point_text(i, v)) for i, ((x, y), v) in enumerate(zip(coordinates, values,
                                                                                        strict=True))]
    chart.y_ticks = [(y_of(tick), label(tick)) for tick in range(0, top + 1, step)]
    if count:
        shown = min(x_label_count, count)
        indexes = sorted({round(n * (count - 1) / (shown - 1)) for n in range(shown)} if shown > 1 else {0})
        chart.x_ticks = [(x_of(i), x_labels[i]) for i in indexes]
    return chart


def sparkline(values: Sequence[int]) -> str:
    """The points of a small line of `values` in a SPARK_WIDTH × SPARK_HEIGHT box."""
    if not values:
        return ""
    highest = max(max(values), 1)
    count = len(values)
    return _polyline([(SPARK_WIDTH * i / (count - 1) if count > 1 else SPARK_WIDTH / 2,
                       1 + (SPARK_HEIGHT - 2) * (1 - v / highest)) for i, v in enumerate(values)])


HEAT_LEVELS = 10


def heat(share: Decimal | None) -> int:
    """The shade of a cohort cell, 0 (nobody active) to HEAT_LEVELS (everybody): a class, not an inline style."""
    if share is None:
        return 0
    return min(max(int((Decimal(share) * HEAT_LEVELS / 100).to_integral_value()), 0), HEAT_LEVELS)
