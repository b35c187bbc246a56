"""The fields of a custom question, shared by the admin form and the contest file import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..web.forms import Form


class QuestionFields(Form):
    """A custom question of the entry form: the admin's form and the JSON import check it alike."""

    label = StringField(_l("Question"), validators=[DataRequired(), Length(max=300)])
    kind = SelectField(
        _l("Answer"),
        choices=[
            SelectChoice("text", _l("Short text")),
            SelectChoice("choice", _l("One choice among options")),
        ],
    )
    choices = TextAreaField(
        _l("Options"),
        description=_l("One per line, for a choice question."),
        validators=[Optional(), Length(max=2000)],
    )
    required = BooleanField(_l("Answer required"), default=True)

    def validate_choices(self, field):
        options = [line.strip() for line in (field.data or "").splitlines() if line.strip()]
        if self.kind.data == "choice" and len(options) < 2:
            raise ValidationError(_l("Give at least two options, one per line."))
        if len(set(options)) != len(options):
            raise ValidationError(_l("Each option must be different."))
