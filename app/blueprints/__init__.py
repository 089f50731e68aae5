"""Every area's blueprint, registered in one place."""
from importlib import import_module

# (package, URL prefix)
BLUEPRINTS = (
    ("errors", None),
    ("health", None),
    ("auth", "/auth"),
    ("dashboard", None),
    ("campaigns", "/campaigns"),
    ("links", "/links"),
    ("tracking", None),
    ("conversions", "/conversions"),
    ("api", None),
    ("graphql", None),
    ("payouts", "/payouts"),
    ("stripe_connect", "/stripe"),
    ("admin", "/admin"),
    ("monitoring", None),
    ("analytics", "/analytics"),
    ("webhooks", None),
    ("settings", "/settings"),
    ("invitations", "/invitations"),
)


def register_blueprints(app) -> None:
    for name, prefix in BLUEPRINTS:
        bp = import_module(f"app.blueprints.{name}").bp
        app.register_blueprint(bp, url_prefix=prefix)
