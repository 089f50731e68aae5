"""The schema: queries and mutations, with the depth, cost and size limits of the app's configuration."""
import strawberry
from graphql import NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, MaxAliasesLimiter, MaxTokensLimiter
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from app.blueprints.graphql import limits
from app.blueprints.graphql.common_types import SCALARS
from app.blueprints.graphql.mutations_campaigns import CampaignMutations
from app.blueprints.graphql.mutations_conversions import ConversionMutations
from app.blueprints.graphql.mutations_payouts import PayoutMutations
from app.blueprints.graphql.queries import Query

Mutation = merge_types("Mutation", (CampaignMutations, ConversionMutations, PayoutMutations))

MAX_TOKENS = 5000
MAX_ALIASES = 30


class Schema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        # Refusals are answers, not faults; the view logs the unexpected ones once, with their trace.
        return None


def build(config) -> Schema:
    rules = [limits.rule(config["GRAPHQL_MAX_DEPTH"], config["GRAPHQL_MAX_COST"])]
    if not config["GRAPHQL_EXPLORER"]:
        rules.append(NoSchemaIntrospectionCustomRule)
    return Schema(query=Query, mutation=Mutation, config=StrawberryConfig(scalar_map=SCALARS), extensions=[
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: AddValidationRules(rules),
    ])
