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


class PasswordChangeForm(Form):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=200)]
    )
    password = PasswordField(
        _l("New password"),
        description=_l("At least 10 characters; several unrelated words make a strong one."),
        validators=[DataRequired(), Length(max=200)],
    )


class ResetRequestForm(Form):
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class ResetForm(Form):
    password = PasswordField(
        _l("New password"),
        description=_l("At least 10 characters; several unrelated words make a strong one."),
        validators=[DataRequired(), Length(max=200)],
    )
