"""The SVG charts' geometry: round axes, every value placed, sparklines inside their box."""
from decimal import Decimal

from app.blueprints.analytics.charts import HEIGHT, SPARK_HEIGHT, SPARK_WIDTH, heat, line_chart, nice_maximum, sparkline


def test_axes_end_on_a_round_number_above_the_highest_value():
    assert nice_maximum(0) == (4, 1)
    assert nice_maximum(3) == (4, 1)
    assert nice_maximum(1234) == (2000, 500)
    assert nice_maximum(1_000_000) == (1_000_000, 250_000)
    for value in (1, 7, 99, 101, 12_345, 987_654_321):
        top, step = nice_maximum(value)
        assert top >= value and top % step == 0 and top // step == 4


def test_a_line_chart_places_every_value_and_labels_its_axes():
    chart = line_chart([0, 5, 10], ["1/3", "2/3", "3/3"], title="Clicks", summary="3 days",
                       label=lambda v: f"{v}", point_text=lambda i, v: f"day {i}: {v}", previous=[10, 0, 0])
    assert [point.value for point in chart.points] == [0, 5, 10]
    assert chart.points[0].y == chart.baseline and chart.points[2].y < chart.points[1].y < chart.baseline
    assert [label for _y, label in chart.y_ticks] == ["0", "5", "10", "15", "20"]
    assert [label for _x, label in chart.x_ticks] == ["1/3", "2/3", "3/3"]
    assert chart.points[1].text == "day 1: 5"
    assert chart.previous_line.count(",") == 3 and chart.area.count(",") == 5


def test_a_single_day_is_drawn_in_the_middle():
    chart = line_chart([4], ["1/3"], title="t", summary="s", label=str, point_text=lambda i, v: "")
    assert len(chart.points) == 1 and chart.x_ticks == [(chart.points[0].x, "1/3")]
    assert 0 < chart.points[0].y < HEIGHT


def test_sparklines_stay_inside_their_box():
    points = [tuple(map(float, pair.split(","))) for pair in sparkline([0, 3, 9, 1]).split()]
    assert len(points) == 4 and points[0][0] == 0 and points[-1][0] == SPARK_WIDTH
    assert all(0 <= y <= SPARK_HEIGHT for _x, y in points)
    assert sparkline([]) == "" and sparkline([0, 0]).count(",") == 2


def test_the_cohort_heat_grows_with_the_share():
    assert heat(None) == 0 and heat(Decimal("0")) == 0 and heat(Decimal("100")) == 10
    assert heat(Decimal("4")) == 0 < heat(Decimal("6")) == 1 < heat(Decimal("50")) == 5
