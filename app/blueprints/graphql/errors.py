"""Typed errors with stable codes: every refusal reaches a client as `extensions.code` (and
`extensions.field` when one input is at fault), never as a stack trace.

Codes (stable, documented in the README):
UNAUTHENTICATED, FORBIDDEN, INSUFFICIENT_SCOPE, NOT_FOUND, VALIDATION_FAILED (with field),
GRAPHQL_VALIDATION_FAILED (a query that does not fit the schema), DEPTH_LIMIT_EXCEEDED,
COST_LIMIT_EXCEEDED, RATE_LIMITED, INTERNAL_ERROR, and for the rules of the domain the refusal's
own name, upper-cased (CAMPAIGN_FULL, ORDER_CONFLICT, PAYOUT_BELOW_MINIMUM, …).
"""
import re

from graphql import GraphQLError
from loguru import logger

from app.services.common.errors import ServiceError


class ApiProblem(Exception):
    """A refusal decided by the API layer itself (who may call what)."""

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


def forbidden(message: str = "Your role may not do this.") -> ApiProblem:
    return ApiProblem("FORBIDDEN", message)


def camel(name: str | None) -> str | None:
    """A service's snake_case field as the API names it (landing_url → landingUrl)."""
    if not name:
        return None
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def service_code(error: ServiceError) -> str:
    name = type(error).__name__
    if name.endswith("NotFound"):
        return "NOT_FOUND"
    # The refusal's own name: CampaignFull → CAMPAIGN_FULL.
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


def _extensions_of(error: GraphQLError) -> tuple[dict, str]:
    original = error.original_error
    if isinstance(original, ApiProblem):
        extensions = {"code": original.code}
        if original.field:
            extensions["field"] = original.field
        return extensions, original.message
    if isinstance(original, ServiceError):
        code = service_code(original)
        extensions = {"code": code}
        if original.field and code != "NOT_FOUND":
            extensions["field"] = camel(original.field)
        return extensions, original.message
    if original is not None:
        logger.opt(exception=original).error("GraphQL resolver failed path={}", error.path)
        return {"code": "INTERNAL_ERROR"}, "Something went wrong on our side; it has been logged."
    if error.extensions and error.extensions.get("code"):
        return dict(error.extensions), error.message
    return {"code": "GRAPHQL_VALIDATION_FAILED"}, error.message


def formatted(error: GraphQLError) -> dict:
    extensions, message = _extensions_of(error)
    body = {"message": message, "extensions": extensions}
    if error.locations:
        body["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        body["path"] = error.path
    return body


def error_body(code: str, message: str) -> dict:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}
