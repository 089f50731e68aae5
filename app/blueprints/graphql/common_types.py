"""Scalars, people and the connection shape every list answers with."""
from datetime import date, datetime
from typing import Generic, NewType, TypeVar

import strawberry
from graphql import GraphQLError

from app.services.api.keyset import CursorPage


def _minor_units(value):
    # GraphQL's Int stops at 2^31; money totals in VND pass that easily, so amounts get their own scalar.
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 2 ** 53:
        raise GraphQLError("Send an amount as a whole number of the currency's smallest unit.")
    return value


MinorUnits = NewType("MinorUnits", int)
SCALARS = {MinorUnits: strawberry.scalar(
    name="MinorUnits", serialize=int, parse_value=_minor_units,
    description="An amount of money as a whole number of the currency's minor unit (150000 for 150.000 ₫, "
                "1999 for 19.99 $), up to 2^53.")}

T = TypeVar("T")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of a list, newest first. Pass `pageInfo.endCursor` as `after` for the next.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    nodes: list[T]
    page_info: PageInfo


def connection(page: CursorPage) -> Connection:
    edges = [Edge(cursor=cursor, node=item) for item, cursor in zip(page.items, page.cursors, strict=True)]
    return Connection(edges=edges,
                      nodes=page.items,
                      page_info=PageInfo(has_next_page=page.has_next, has_previous_page=page.has_previous,
                                         start_cursor=page.cursors[0] if page.cursors else None,
                                         end_cursor=page.cursors[-1] if page.cursors else None))


@strawberry.type(description="Someone the caller deals with: an affiliate, a merchant (by company name) or an admin.")
class Person:
    id: int
    role: str

    # Resolvers here are called with the model row as `self`.
    @strawberry.field
    def name(self) -> str:
        return self.display_name


@strawberry.type(name="Me", description="The caller.")
class MeNode:
    id: int
    email: str
    name: str
    role: str
    created_at: datetime
    locale: str | None
    scopes: list[str]
    authenticated_by: str = strawberry.field(description="api_key or session")


@strawberry.input(description="Calendar days in the system's display timezone, both included.")
class DateRange:
    start: date | None = None
    end: date | None = None
