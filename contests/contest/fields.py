"""The fields of a contest and a prize, with their validators.

Shared by the admin forms and the JSON import so that a contest typed in the UI and one
imported from a file pass exactly the same checks.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from ..draw.sources import DRAND, FORMATS, FREE
from ..models.contest import CURRENCIES
from ..money import MalformedAmount, format_amount_plain, parse_amount
from ..timezones import NonexistentLocalTime, is_known_timezone, local_to_utc
from ..web.forms import Form
from .jury_fields import JuryFields
from .validators import (
    check_email,
    check_territory,
    check_timezone,
    plausible_date,
)

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class MoneyField(StringField):
    """A text input holding an amount; ``data`` is the value in cents."""

    def _value(self):
        if isinstance(self.data, int):
            return format_amount_plain(self.data)
        return self.raw_data[0] if self.raw_data else ""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = parse_amount(valuelist[0])
        except MalformedAmount:
            self.data = None
            raise ValueError(
                _l("Enter an amount such as 49.90 or 1 250,00 (at most two decimals).")
            ) from None


def _choices(pairs):
    return [SelectChoice(value, label) for value, label in pairs]


def _field_mode(label) -> SelectField:
    """Whether the entry form asks for an optional field: not at all, optionally, or always."""
    return SelectField(
        label,
        choices=_choices(
            [("off", _l("Not asked")), ("optional", _l("Optional")), ("required", _l("Required"))]
        ),
        default="off",
    )


class ContestFields(JuryFields):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Address (slug)"),
        description=_l(
            "Lower-case letters, digits and hyphens, used in the public address (/c/summer-draw). "
            "Left empty, it is made from the title."
        ),
        validators=[
            Optional(),
            Length(min=3, max=80),
            Regexp(
                SLUG_PATTERN,
                message=_l(
                    "Use lower-case letters, digits and single hyphens only, e.g. summer-draw-2026."
                ),
            ),
        ],
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    language = SelectField(
        _l("Language of the public pages"),
        choices=_choices([("fr", _l("French")), ("en", _l("English"))]),
        default="fr",
    )
    jurisdiction = SelectField(
        _l("Jurisdiction"),
        choices=_choices(
            [
                ("FR", _l("France")),
                ("US", _l("United States")),
                ("GB", _l("United Kingdom")),
                ("CA", _l("Canada")),
            ]
        ),
        default="FR",
    )
    mechanic = SelectField(
        _l("Mechanic"),
        choices=_choices(
            [
                ("random_draw", _l("Random draw")),
                ("skill", _l("Skill contest (jury and tie-breaker)")),
            ]
        ),
        default="random_draw",
    )
    timezone = StringField(
        _l("Time zone"),
        default="Europe/Paris",
        validators=[DataRequired(), Length(max=64), check_timezone],
    )
    starts_at = DateTimeLocalField(
        _l("Opens at"),
        format=[DATETIME_FORMAT, DATETIME_FORMAT + ":%S"],
        validators=[Optional(), plausible_date],
        description=_l("In the contest's time zone."),
    )
    ends_at = DateTimeLocalField(
        _l("Closes at"),
        format=[DATETIME_FORMAT, DATETIME_FORMAT + ":%S"],
        validators=[Optional(), plausible_date],
        description=_l("In the contest's time zone."),
    )
    min_age = IntegerField(_l("Minimum age"), validators=[Optional(), NumberRange(min=0, max=120)])
    territory = StringField(
        _l("Territory"),
        description=_l(
            "Country codes of the people who may enter, separated by commas, e.g. FR, BE, CH."
        ),
        validators=[Optional(), Length(max=300), check_territory],
    )
    exclusions = TextAreaField(_l("Exclusions"), validators=[Optional(), Length(max=2000)])
    entry_policy = SelectField(
        _l("Entry policy"),
        choices=_choices(
            [
                ("once", _l("Once per person for the whole contest")),
                ("daily", _l("Once per person per day")),
            ]
        ),
        default="once",
    )
    alternates_per_prize = IntegerField(
        _l("Alternates drawn per prize"),
        default=2,
        validators=[InputRequired(), NumberRange(min=0, max=20)],
    )
    phone_field = _field_mode(_l("Phone on the entry form"))
    postal_code_field = _field_mode(_l("Postal code on the entry form"))
    ask_birth_date = BooleanField(
        _l("Ask for the date of birth"),
        description=_l(
            "Checked against the minimum age; otherwise entrants tick “I am N or over”."
        ),
    )
    double_opt_in = BooleanField(
        _l("Confirm entries by email (double opt-in)"),
        description=_l(
            "Entries stay pending, and out of the draw, until the entrant clicks the emailed link."
        ),
    )
    draw_algorithm = SelectField(
        _l("Draw algorithm"),
        choices=_choices(
            [
                ("vdraw-v1", _l("vdraw-v1 (recommended; supports tickets)")),
                ("rfc3797", _l("IETF RFC 3797")),
            ]
        ),
        default="vdraw-v1",
    )
    entropy_sources = TextAreaField(
        _l("Public sources of randomness for the draw"),
        description=_l(
            "Only for “Other (free text)” below: one per line, values that will exist only after "
            "the close and that nobody controls. With drand or a lottery, the source is named for "
            "you: the first round or draw after the close."
        ),
        validators=[Optional(), Length(max=2000)],
    )
    entropy_format = SelectField(
        _l("How the sources' results are written"),
        description=_l(
            "A lottery's result has one accepted spelling, fixed with the contest: nobody can "
            "retype the same numbers differently to get another draw. The draw uses the "
            "lottery's first draw after the close and waits until its result is public. "
            "“Other” keeps the value as typed, for a source no format fits."
        ),
        choices=_choices(
            [(DRAND, _l("drand beacon (League of Entropy), recommended"))]
            + [(key, source.name) for key, source in FORMATS.items()]
            + [(FREE, _l("Other (free text)"))]
        ),
        default=FREE,
    )
    tie_breaker_question = StringField(
        _l("Tie-breaker question (numeric answer)"), validators=[Optional(), Length(max=500)]
    )
    jury_description = TextAreaField(
        _l("Jury and judging criteria"), validators=[Optional(), Length(max=2000)]
    )
    legal_name = StringField(_l("Organizer's legal name"), validators=[Optional(), Length(max=200)])
    legal_form = StringField(_l("Legal form"), validators=[Optional(), Length(max=100)])
    registration_number = StringField(
        _l("Registration number"),
        description=_l("SIREN, RNA, company number..."),
        validators=[Optional(), Length(max=100)],
    )
    legal_address = TextAreaField(_l("Postal address"), validators=[Optional(), Length(max=500)])
    contact_email = StringField(
        _l("Contact email"), validators=[Optional(), Length(max=254), check_email]
    )
    dpo_contact = StringField(
        _l("Data protection contact"), validators=[Optional(), Length(max=300)]
    )
    data_retention_months = IntegerField(
        _l("Data retention (months)"),
        description=_l(
            "After the end of the contest; the worker then erases the entrants' personal data "
            "(the draw still verifies)."
        ),
        validators=[Optional(), NumberRange(min=1, max=120)],
    )
    winners_retention_months = IntegerField(
        _l("Winners' data retention (months)"),
        description=_l(
            "Winners' data may be kept longer, e.g. to prove delivery; empty: as long as the "
            "other entrants'."
        ),
        validators=[Optional(), NumberRange(min=1, max=120)],
    )
    share_capital = StringField(
        _l("Share capital"),
        description=_l("French companies, e.g. 10 000 €."),
        validators=[Optional(), Length(max=100)],
    )
    agency = StringField(
        _l("Agency running the contest"),
        description=_l("Name and address, when an agency runs it for you."),
        validators=[Optional(), Length(max=300)],
    )
    bailiff = TextAreaField(
        _l("Bailiff holding the rules (name and address)"),
        description=_l(
            "France: the commissaire de justice with whom the rules are deposited, if any."
        ),
        validators=[Optional(), Length(max=1000)],
    )
    consumer_mediator = TextAreaField(
        _l("Consumer mediator (name and website)"),
        description=_l(
            "France: the mediator you have appointed for consumer disputes, if any. Left empty, "
            "the rules say that none is appointed for this free game."
        ),
        validators=[Optional(), Length(max=500)],
    )
    draw_at = DateTimeLocalField(
        _l("Winners selected on"),
        format=[DATETIME_FORMAT, DATETIME_FORMAT + ":%S"],
        validators=[Optional(), plausible_date],
        description=_l(
            "In the contest's time zone; after the close, once the public sources of randomness "
            "exist."
        ),
    )
    claim_days = IntegerField(
        _l("Days to claim a prize"),
        description=_l("After this, the prize passes to the next alternate."),
        validators=[Optional(), NumberRange(min=1, max=365)],
    )
    governing_law = StringField(
        _l("Governing law"),
        description=_l(
            "United States and Canada: the state or province, e.g. the State of New York."
        ),
        validators=[Optional(), Length(max=200)],
    )
    free_entry_route = TextAreaField(
        _l("Free alternate method of entry"),
        description=_l(
            "United States: how to enter without the online form, e.g. by post to an address, "
            "with the deadline."
        ),
        validators=[Optional(), Length(max=2000)],
    )
    promoted_on_meta = BooleanField(
        _l("Promoted on Facebook or Instagram"),
        description=_l("The rules then carry Meta's release and non-association statement."),
    )
    ny_fl_registered = BooleanField(
        _l("Registered and bonded in New York and Florida"),
        description=_l(
            "United States, prizes above $5,000 in total: unticked, the rules exclude residents "
            "of those states."
        ),
    )
    skill_testing_question = StringField(
        _l("Skill-testing question"),
        description=_l("Canada, e.g. (12 × 3) + 6 − 4 = ?"),
        validators=[Optional(), Length(max=300)],
    )
    data_recipients = TextAreaField(
        _l("Recipients of the data"),
        description=_l(
            "Left empty, the rules name your staff, your technical processors and the carrier."
        ),
        validators=[Optional(), Length(max=2000)],
    )
    data_transfers = TextAreaField(
        _l("Transfers outside the EU / UK"),
        description=_l("Left empty, the rules say there are none."),
        validators=[Optional(), Length(max=2000)],
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        starts, ends, zone = self.starts_at.data, self.ends_at.data, self.timezone.data
        if zone and is_known_timezone(zone):
            for field in (self.starts_at, self.ends_at, self.draw_at):
                if field.data and not field.errors:
                    try:
                        local_to_utc(field.data, zone)
                    except NonexistentLocalTime:
                        field.errors.append(
                            _l(
                                "This time does not exist in %(zone)s (the clocks go forward). "
                                "Pick another time.",
                                zone=zone,
                            )
                        )
                        ok = False
        if starts and ends and ends <= starts:
            self.ends_at.errors.append(_l("The closing date must come after the opening date."))
            ok = False
        if ends and self.draw_at.data and self.draw_at.data < ends:
            self.draw_at.errors.append(
                _l("The winners cannot be selected before the closing date.")
            )
            ok = False
        return ok

    def values(self) -> dict:
        """Plain values for the domain functions (no CSRF token, no WTForms objects)."""
        return {name: field.data for name, field in self._fields.items() if name != "csrf_token"}


DELIVERY_CHOICES = [
    SelectChoice("shipped", _l("Sent by post or carrier (the claim asks for an address)")),
    SelectChoice("collected", _l("Collected on site")),
    SelectChoice("digital", _l("Digital (a code or a ticket sent by email)")),
]


class PrizeFields(Form):
    title = StringField(_l("Prize"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    quantity = IntegerField(
        _l("Quantity"), default=1, validators=[InputRequired(), NumberRange(min=1, max=100000)]
    )
    unit_value = MoneyField(
        _l("Unit value (tax included)"),
        validators=[InputRequired(message=_l("Enter the value of one unit, e.g. 49.90."))],
    )
    currency = SelectField(
        _l("Currency"), choices=[SelectChoice(c) for c in CURRENCIES], default="EUR"
    )
    delivery = SelectField(
        _l("How the winner gets it"), choices=DELIVERY_CHOICES, default="shipped"
    )
    position = IntegerField(_l("Order"), validators=[Optional(), NumberRange(min=0, max=1000)])

    def values(self) -> dict:
        return {name: field.data for name, field in self._fields.items() if name != "csrf_token"}
