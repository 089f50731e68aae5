"""The application factory."""
from flask import Flask

from app.config import DEFAULT_SECRET_KEY, config_from_env
from app.extensions import babel, csrf, db, init_redis, login_manager, migrate
from app.ids import IdConverter


def create_app(config=None, *, redis_client=None) -> Flask:
    """The app for `config` (default: from the environment); `redis_client` replaces the one REDIS_URL names."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config or config_from_env())
    from app.request_input import CleanRequest
    app.request_class = CleanRequest
    secret = app.config.get("SECRET_KEY") or ""
    if app.config["ENV_NAME"] == "production" and (secret == DEFAULT_SECRET_KEY or len(secret) < 16):
        raise RuntimeError("SECRET_KEY must be set to a long random value in production")

    # The click redirect is answered before Flask's request machinery; behind ProxyFix like everything else.
    from app.blueprints.tracking.redirect_gateway import ClickRedirectGateway
    app.wsgi_app = ClickRedirectGateway(app, app.wsgi_app)
    if app.config["PROXY_FIX_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from app.sessions import CachedSerializerSessionInterface
    app.session_interface = CachedSerializerSessionInterface()

    from app.logs import init_logging
    init_logging(app)

    # Every model module, so the metadata Alembic compares against holds every table.
    from app.models import (  # noqa: F401
        analytics,
        api_keys,
        audit,
        campaigns,
        conversions,
        invitations,
        money,
        stripe_connect,
        tracking,
        users,
        webhooks,
    )
    db.init_app(app)
    # SQLite learns the time zone and referrer functions the analytics queries use.
    from app.services.analytics import sql
    sql.install()
    # Webhook deliveries written with a change are handed to a worker once it commits.
    from app.services.webhooks import outbox
    outbox.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)

    from app import (
        audit_labels,
        headers,
        i18n,
        labels,
        memos,
        navigation,
        page_gate,
        rate_limits,
        security,
        statement_timeout,
        static_files,
    )
    babel.init_app(app, locale_selector=i18n.selected_locale)
    i18n.init_app(app)
    navigation.init_app(app)
    labels.init_app(app)
    memos.init_app(app)
    audit_labels.init_app(app)
    security.init_app(app)
    headers.init_app(app)
    static_files.init_app(app)
    rate_limits.init_app(app)
    statement_timeout.init_app(app)
    page_gate.init_app(app)

    init_redis(app, redis_client)
    # Commits that change links tell every process's link snapshot to reload.
    from app.services.tracking import link_changes
    link_changes.watch()

    from app.services.monitoring.setup import init_monitoring
    init_monitoring(app)

    app.url_map.converters["int"] = IdConverter

    from app.blueprints import register_blueprints
    register_blueprints(app)

    from app.cli import register_cli
    register_cli(app)
    return app
