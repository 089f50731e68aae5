"""Who may see what: the session user loader, the role decorator and the owner-checking loader."""
from functools import wraps

from flask import abort, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.extensions import db, login_manager


def init_app(app) -> None:
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = _l("Please sign in to see that page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.unauthorized_handler(_unauthorized)


def _unauthorized():
    """Send anonymous visitors to sign in; an htmx request is told to load the sign-in page whole."""
    target = url_for(login_manager.login_view, next=request.full_path.rstrip("?") if request.method == "GET" else None)
    if request.headers.get("HX-Request"):
        return "", 401, {"HX-Redirect": target}
    flash(str(login_manager.login_message), login_manager.login_message_category)
    return redirect(target)


@login_manager.user_loader
def load_user(session_id: str):
    from app.models.users import User

    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    # A session made before the last sign-out or password change carries an old token.
    if user is None or user.session_token != token or user.is_disabled:
        return None
    return user


def role_required(*roles: str):
    """Signed-in users of these roles only; another role gets 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def get_owned_or_404(model, object_id, user=None):
    """Load `model` by id if `user` (default: the current one) may see it; otherwise 404.

    Admins see everything; everyone else only rows the model's `owned_by(user)` lets through.
    """
    user = user or current_user
    query = db.select(model).where(model.id == object_id)
    if user.role != "admin":
        query = query.where(model.owned_by(user))
    found = db.session.scalar(query)
    if found is None:
        abort(404)
    return found
