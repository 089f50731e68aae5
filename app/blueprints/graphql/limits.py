"""Depth and cost limits, checked before a query runs.

Depth counts nested selections (fragments are followed). Cost counts every field once, and a field
that takes `first` multiplies what is below it by the page size asked for (the largest page when
the size comes from a variable), so one request cannot ask for a million rows by nesting lists.
"""
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    ValidationRule,
)

from app.services.api.keyset import DEFAULT_SIZE, MAX_SIZE


def _multiplier(field: FieldNode) -> int:
    """How many times what is below `field` may be returned: its page size for a connection, else once."""
    for argument in field.arguments or ():
        if argument.name.value == "first":
            if isinstance(argument.value, IntValueNode):
                return max(1, min(int(argument.value.value), MAX_SIZE))
            return MAX_SIZE
    children = field.selection_set.selections if field.selection_set else ()
    if any(isinstance(child, FieldNode) and child.name.value in ("edges", "nodes") for child in children):
        return DEFAULT_SIZE
    return 1


def measure(selection_set, fragments, seen=frozenset()) -> tuple[int, int]:
    """(depth, cost) of a selection set."""
    depth, cost = 0, 0
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            if selection.name.value.startswith("__"):
                # Introspection is answered from the schema, not the database.
                continue
            below_depth, below_cost = measure(selection.selection_set, fragments, seen)
            depth = max(depth, 1 + below_depth)
            cost += 1 + _multiplier(selection) * below_cost
        elif isinstance(selection, InlineFragmentNode):
            below_depth, below_cost = measure(selection.selection_set, fragments, seen)
            depth, cost = max(depth, below_depth), cost + below_cost
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in seen:
                continue  # graphql-core reports unknown and cyclic fragments itself
            below_depth, below_cost = measure(fragment.selection_set, fragments, seen | {name})
            depth, cost = max(depth, below_depth), cost + below_cost
    return depth, cost


def rule(max_depth: int, max_cost: int) -> type[ValidationRule]:
    class LimitRule(ValidationRule):
        def enter_operation_definition(self, node, *_args):
            fragments = {name: self.context.get_fragment(name) for name in _fragment_names(self.context)}
            depth, cost = measure(node.selection_set, fragments)
            if depth > max_depth:
                self.report_error(GraphQLError(
                    f"The query is nested {depth} levels deep; at most {max_depth} are allowed.", node,
                    extensions={"code": "DEPTH_LIMIT_EXCEEDED", "depth": depth, "maxDepth": max_depth}))
            elif cost > max_cost:
                self.report_error(GraphQLError(
                    f"The query would cost {cost} points; at most {max_cost} are allowed. Ask for smaller pages.",
                    node, extensions={"code": "COST_LIMIT_EXCEEDED", "cost": cost, "maxCost": max_cost}))

    return LimitRule


def _fragment_names(context) -> list[str]:
    return [definition.name.value for definition in context.document.definitions
            if isinstance(definition, FragmentDefinitionNode)]
