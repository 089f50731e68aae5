"""Each role's navigation: the pages a role works on, in the order of the menu."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

NAV = {
    "admin": [
        ("dashboard.home", _l("Dashboard")),
        ("campaigns.index", _l("Campaigns")),
        ("campaigns.applications", _l("Applications")),
        ("conversions.index", _l("Conversions")),
        ("analytics.index", _l("Analytics")),
        ("payouts.admin_queue", lazy_pgettext("paying", "Payouts")),
        ("admin.users", _l("Users")),
        ("tracking.integration", _l("Integration")),
        ("webhooks.index", _l("Webhooks")),
        ("admin.audit_log", lazy_pgettext("menu", "Audit log")),
    ],
    "merchant": [
        ("dashboard.home", _l("Dashboard")),
        ("campaigns.index", _l("Campaigns")),
        ("campaigns.applications", _l("Applications")),
        ("conversions.index", _l("Conversions")),
        ("analytics.index", _l("Analytics")),
        ("api.keys", _l("API keys")),
        ("tracking.integration", _l("Integration")),
        ("webhooks.index", _l("Webhooks")),
    ],
    "affiliate": [
        ("dashboard.home", _l("Dashboard")),
        ("campaigns.directory", _l("Find campaigns")),
        ("links.index", _l("My links")),
        ("conversions.mine", _l("Conversions")),
        ("analytics.index", _l("Analytics")),
        ("payouts.mine", lazy_pgettext("withdrawing", "Payouts")),
        ("webhooks.index", _l("Webhooks")),
    ],
}


def nav_for(role: str):
    return NAV.get(role, [])


def init_app(app) -> None:
    app.jinja_env.globals["nav_for"] = nav_for
