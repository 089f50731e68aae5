"""Every list sorts by its column headings, either way, through `?sort=<key>&order=asc|desc` in its address.

The rows come back in the order asked for (ties and missing values as the lists settle them: by row id,
missing values last), a key or order the list does not know shows its default order, and the headings'
links keep the list's other filters.
"""
import re
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.sort_cases import CASES, Grouped

HX = {"HX-Request": "true"}


def expected(rows, key: str, descending: bool) -> list[str]:
    """The markers of `rows` sorted by `key` that way, ties by id (the seed's order) the same way; rows without
    a value come last, and a `Grouped` value's group keeps its order, whichever way."""
    def value(i):
        found = rows[i][1][key]
        found = found.value if isinstance(found, Grouped) else found
        return (found is None, 0 if found is None else found, i)

    def group(i):
        found = rows[i][1][key]
        return found.group if isinstance(found, Grouped) else int(found is None)

    ranked = sorted(range(len(rows)), key=value, reverse=descending)
    return [rows[i][0] for i in sorted(ranked, key=group)]


def shown(html: str, rows) -> list[str]:
    """The markers of `rows` in the order the list's body shows them."""
    body = html[html.index("<tbody"):]
    return sorted((row[0] for row in rows), key=body.index)


def seeded(name: str, login_as):
    case = CASES[name]
    case.kept = {}
    user = login_as(case.role)
    return case, case.seed(user, case.kept)


def _key_orders():
    for name, case in CASES.items():
        for key in case.keys:
            for order in ("asc", "desc"):
                yield pytest.param(name, key, order, id=f"{name}-{key}-{order}")


@pytest.mark.parametrize(("name", "key", "order"), list(_key_orders()))
def test_each_heading_sorts_the_rows_either_way(name, key, order, client, login_as):
    case, rows = seeded(name, login_as)
    response = client.get(f"{case.address()}?sort={key}&order={order}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert shown(html, rows) == expected(rows, key, order == "desc")


@pytest.mark.parametrize("name", list(CASES))
def test_an_unknown_sort_or_order_shows_the_default(name, client, login_as):
    case, rows = seeded(name, login_as)
    default = expected(rows, case.default, case.descending)
    for query in ("sort=nonsense&order=desc", "sort=id;drop&order=asc", "order=sideways", "sort=&order=",
                  f"sort={case.default}&order=up"):
        response = client.get(f"{case.address()}?{query}")
        assert response.status_code == 200, query
        assert shown(response.get_data(as_text=True), rows) == default, query


def _heading_links(html: str) -> list[dict]:
    head = html[html.index("<thead"):html.index("</thead>")]
    return [dict(parse_qsl(urlsplit(unescape(href)).query)) for href in re.findall(r'<a href="([^"]+)"', head)]


@pytest.mark.parametrize("name", list(CASES))
def test_headings_keep_the_filters_and_swap_only_the_list(name, client, login_as):
    case, rows = seeded(name, login_as)
    key = case.keys[-1]
    query = "&".join(part for part in (case.keep, f"sort={key}&order=asc", "page=1") if part)
    response = client.get(f"{case.address()}?{query}", headers=HX)
    html = response.get_data(as_text=True)
    assert re.match(rf'\s*<\w+[^>]*\bid="{case.target}"', html) and "<html" not in html
    assert shown(html, rows) == expected(rows, key, False)
    links = _heading_links(html)
    assert set(case.keys) - {case.default} <= {link["sort"] for link in links}
    kept = dict(parse_qsl(case.keep))
    for link in links:
        assert kept.items() <= link.items() and "page" not in link and link["order"] in ("asc", "desc")
    # The column sorted by turns the other way when its heading is followed.
    assert [link["order"] for link in links if link["sort"] == key] == ["desc"]
    assert html.count('aria-sort="ascending"') == 1 and html.count('aria-sort="') == len(links)


FILTERED = ("merchant campaigns", "admin campaigns", "campaign directory", "payout queue", "users", "applications",
            "affiliate statement")


@pytest.mark.parametrize("name", FILTERED)
def test_the_filter_form_keeps_the_sort(name, client, login_as):
    case, _rows = seeded(name, login_as)
    key = case.keys[-1]
    html = client.get(f"{case.address()}?sort={key}&order=asc").get_data(as_text=True)
    form = f'form="{case.target}-filters"'
    assert f'id="{case.target}-filters"' in html
    assert f'name="sort" value="{key}" {form}' in html and f'name="order" value="asc" {form}' in html
    assert 'name="sort"' not in client.get(case.address()).get_data(as_text=True)
