"""Sign-in and language forms."""

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..web.forms import Form


class LoginForm(Form):
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class LanguageForm(Form):
    lang = SelectField(
        _l("Language"), choices=[SelectChoice("fr", "Français"), SelectChoice("en", "English")]
    )
