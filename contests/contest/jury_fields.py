"""The contest form's fields for a skill contest: the work entrants submit and the jury's
criteria (the rest of the form is ``fields.ContestFields``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from ..jury.criteria import CriteriaError, parse_criteria
from ..web.forms import Form


def _criteria(form, field) -> None:
    try:
        parse_criteria(field.data or "")
    except CriteriaError as error:
        raise ValidationError(str(error.args[0])) from None


class JuryFields(Form):
    work_kind = SelectField(
        _l("Work submitted with each entry"),
        choices=[
            SelectChoice("", _l("None (the tie-breaker question only)")),
            SelectChoice("text", _l("A text")),
            SelectChoice("image", _l("A picture (JPEG, PNG or WebP, re-encoded, 3 MB at most)")),
        ],
        default="",
        validators=[Optional()],
    )
    work_prompt = TextAreaField(
        _l("What the work must be"),
        description=_l("The theme and the constraints, as the form and the rules show them."),
        validators=[Optional(), Length(max=2000)],
    )
    jury_criteria = TextAreaField(
        _l("Judging criteria (one per line, with maximum points)"),
        description=_l(
            "For example “Originality: 10”. Each juror scores each work on each criterion; the "
            "rules print them."
        ),
        validators=[Optional(), Length(max=2000), _criteria],
    )
