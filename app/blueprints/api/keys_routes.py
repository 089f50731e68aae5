"""Everyone's API keys page: create a key (shown once) with its scopes, see when each was last used, revoke."""
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.api import bp
from app.blueprints.api.forms import ApiKeyForm
from app.blueprints.web import wants_partial
from app.security import role_required
from app.services.accounts import api_keys
from app.services.accounts.api_keys import InvalidLabel, InvalidScopes, KeyNotFound

ROLES = ("admin", "merchant", "affiliate")


@bp.route("/settings/api-keys", methods=["GET", "POST"])
@role_required(*ROLES)
def keys():
    """Create, see and revoke the personal keys a program uses to act for this account through the API."""
    form = ApiKeyForm()
    new_key = None
    if form.validate_on_submit():
        try:
            _key, new_key = api_keys.create_key(current_user.id, form.label.data, form.scopes(),
                                                ip=request.remote_addr)
        except InvalidLabel as exc:
            form.label.errors.append(exc.message)
        except InvalidScopes as exc:
            form.access.errors.append(exc.message)
        else:
            flash(_("Key created. Copy it now: it will not be shown again."), "success")
            form = ApiKeyForm(formdata=None)
    template = "api/_key_list.html" if wants_partial() and request.method == "GET" else "api/keys.html"
    # The full key appears in this one response only: rendered, not redirected, so it never
    # travels in a session cookie, and never stored by a cache.
    sort = api_keys.KEY_SORTS.read(request.args)
    response = make_response(render_template(template, form=form, keys=api_keys.list_keys(current_user.id, sort),
                                             sort=sort, new_key=new_key))
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("HX-Request")
    return response


@bp.post("/settings/api-keys/<int:key_id>/revoke")
@role_required(*ROLES)
def revoke_key(key_id: int):
    """Revoke a key: the next request that uses it is refused."""
    # Keys are personal: an admin revokes only their own here, so no admin bypass of ownership.
    try:
        key = api_keys.revoke(key_id, current_user.id, ip=request.remote_addr)
    except KeyNotFound:
        abort(404)
    if wants_partial():
        sort = api_keys.KEY_SORTS.read(request.args)
        response = make_response(render_template("api/_key_list.html", sort=sort,
                                                 keys=api_keys.list_keys(current_user.id, sort)))
        response.vary.add("HX-Request")
        return response
    flash(_("The key “%(label)s” has been revoked.", label=key.label), "success")
    return redirect(url_for("api.keys"))
