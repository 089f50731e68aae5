from flask import Blueprint

bp = Blueprint("payouts", __name__, template_folder="templates")

from app.blueprints.payouts import (  # noqa: E402,F401
    admin_csv_routes,
    admin_owed_routes,
    admin_payment_routes,
    admin_routes,
    affiliate_routes,
    statement_routes,
)
