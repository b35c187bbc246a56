"""Forms of the organizer workspace (contest and prize fields live in contest_fields)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..contest_fields import ContestFields, PrizeFields

ContestForm = ContestFields
PrizeForm = PrizeFields


class OrganizationForm(FlaskForm):
    name = StringField(_l("Organization name"), validators=[DataRequired(), Length(max=200)])


class MemberForm(FlaskForm):
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        _l("Initial password"),
        description=_l("Only for a new account: at least 10 characters. Leave empty to add an existing organizer."),
        validators=[Optional(), Length(max=200)],
    )


class ImportForm(FlaskForm):
    file = FileField(
        _l("Contest file (JSON)"),
        validators=[FileRequired(), FileAllowed(["json"], _l("Choose a .json file exported from a contest."))],
    )
    slug = StringField(_l("Address (slug)"), validators=[Optional(), Length(max=80)])


class ActionForm(FlaskForm):
    """An empty form: buttons that change state still carry a CSRF token."""
