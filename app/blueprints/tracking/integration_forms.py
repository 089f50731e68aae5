"""Forms of the integration page."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length, Regexp

from app.blueprints.forms import strip


class SigningSecretForm(FlaskForm):
    # A password field: the secret is never sent back to the browser, even after an error.
    secret = PasswordField(_l("Signing secret"), filters=[strip], validators=[
        DataRequired(message=_l("Paste the signing secret Stripe shows for this endpoint.")),
        Length(max=255),
        Regexp(r"^whsec_[A-Za-z0-9_\-+/=]{8,240}$", message=_l(
            "A signing secret starts with whsec_ and has no spaces; paste it exactly as Stripe shows it.")),
    ], render_kw={"autocomplete": "off", "spellcheck": "false", "placeholder": "whsec_…"})
