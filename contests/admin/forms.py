"""Forms of the organizer workspace (contest and prize fields live in contest/fields.py)."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..contest.amendment import AMENDABLE_FIELDS
from ..contest.brand_kit import CONTEST_DEFAULTS
from ..contest.fields import ContestFields, PrizeFields
from ..contest.question_fields import QuestionFields
from ..contest.validators import check_email
from ..web.forms import Form

ContestForm = ContestFields
QuestionForm = QuestionFields


def picture_field(label, description) -> FileField:
    """An uploaded picture (a logo, a prize's): the formats the re-encoding accepts
    (``contest.embedding.normalize_picture``), whose own checks then apply."""
    return FileField(
        label,
        description=description,
        validators=[
            FileAllowed(
                ["png", "jpg", "jpeg", "gif", "webp"],
                _l("Choose a PNG, JPEG, GIF or WebP picture."),
            )
        ],
    )


class PrizeForm(PrizeFields):
    """A prize's terms (shared with the JSON import) and its picture for the public page."""

    picture = picture_field(
        _l("Picture"),
        _l("PNG, JPEG, GIF or WebP, at most 2 MB; shown at most 800 × 600 pixels."),
    )
    remove_picture = BooleanField(_l("Remove the picture"))

    def values(self) -> dict:
        return {k: v for k, v in super().values().items() if k not in ("picture", "remove_picture")}

    def picture_bytes(self) -> bytes | None:
        return self.picture.data.read() if self.picture.data else None


class OrganizationForm(Form):
    name = StringField(_l("Organization name"), validators=[DataRequired(), Length(max=200)])


class InviteForm(Form):
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice("editor", _l("Editor: runs the contests")),
            SelectChoice("viewer", _l("Viewer: sees everything, changes nothing (for a client)")),
            SelectChoice("owner", _l("Owner: everything, members included")),
        ],
        default="editor",
    )


class ImportForm(Form):
    file = FileField(
        _l("Contest file (JSON)"),
        validators=[
            FileRequired(),
            FileAllowed(["json"], _l("Choose a .json file exported from a contest.")),
        ],
    )
    slug = StringField(_l("Address (slug)"), validators=[Optional(), Length(max=80)])


class ActionForm(Form):
    """An empty form: buttons that change state still carry a CSRF token."""


class DisqualifyForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class AmendRulesForm(Form):
    """The terms an amendment may change (contest.amendment.AMENDABLE_FIELDS), plus what changed and
    why."""

    summary = TextAreaField(
        _l("What the amendment changes"),
        description=_l(
            "Published with the new version, e.g. “Claim deadline extended to 30 days.”"
        ),
        validators=[DataRequired(), Length(max=1000)],
    )

    def values(self) -> dict:
        return {
            name: field.data
            for name, field in self._fields.items()
            if name not in ("csrf_token", "summary")
        }


for _name in AMENDABLE_FIELDS:
    setattr(AmendRulesForm, _name, getattr(ContestFields, _name))


class RescheduleForm(Form):
    """Extend or close early (``contest.rescheduling``): a dated amendment with its summary."""

    summary = AmendRulesForm.summary
    ends_at = ContestFields.ends_at
    draw_at = ContestFields.draw_at


class EmbedForm(Form):
    """Where the form may be embedded and how it looks; not part of the rules, so editable any
    time."""

    embed_origins = TextAreaField(
        _l("Sites allowed to embed the form"),
        description=_l(
            "One per line, scheme and host only, e.g. https://www.musee.fr. Left empty, any site "
            "may embed it."
        ),
        validators=[Optional(), Length(max=3000)],
    )
    brand_color = StringField(
        _l("Accent color"),
        description=_l("Buttons and links, e.g. #1d4ed8; it must keep text readable."),
        validators=[Optional(), Length(max=7)],
    )
    logo = picture_field(
        _l("Logo"),
        _l("PNG, JPEG, GIF or WebP, at most 512 KB; shown at most 600 × 200 pixels."),
    )
    remove_logo = BooleanField(_l("Remove the logo"))
    mail_sender_name = StringField(
        _l("Sender name of mails to entrants"),
        description=_l("What inboxes show as the sender; left empty, the organization's name."),
        validators=[Optional(), Length(max=200)],
    )
    mail_reply_to = StringField(
        _l("Replies go to"),
        description=_l("An address that reads the replies; left empty, the contact email."),
        validators=[Optional(), Length(max=254), check_email],
    )


class BrandKitForm(EmbedForm):
    """A client's profile: what its new contests start from (``contest.brand_kit``)."""

    name = StringField(_l("Organization name"), validators=[DataRequired(), Length(max=200)])
    report_recipients = TextAreaField(
        _l("Who receives the monthly report"),
        description=_l(
            "One address per line; on the first day of each month they get the link to the "
            "report of the month just ended. Empty: nobody."
        ),
        validators=[Optional(), Length(max=2000)],
    )

    def values(self) -> dict:
        skip = ("csrf_token", "logo", "remove_logo")
        return {name: field.data for name, field in self._fields.items() if name not in skip}


for _name in CONTEST_DEFAULTS:
    setattr(BrandKitForm, _name, getattr(ContestFields, _name))


class ShipForm(Form):
    carrier = StringField(_l("Carrier"), validators=[DataRequired(), Length(max=100)])
    tracking = StringField(_l("Tracking number"), validators=[Optional(), Length(max=100)])
