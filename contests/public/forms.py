"""The entry form, built per contest from its options (phone, postal code, questions...)."""

from __future__ import annotations

from flask import request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
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
    ValidationError,
)

from ..entries.submission import (
    EntryInput,
    birth_date_problem,
    default_region,
    email_problem,
    phone_problem,
)
from ..extensions import app_cache
from ..models import Contest
from ..models.types import utcnow
from ..web.forms import CONTROL_CHARACTERS, Form, has_control_characters


def _no_control_characters(form, field):
    """Refuse invisible characters (NUL, bidi overrides...) that make names unreadable or
    spoofable (line breaks too: a name is one line)."""
    if field.data and (
        "\n" in field.data or "\r" in field.data or has_control_characters(field.data)
    ):
        raise ValidationError(CONTROL_CHARACTERS)


def _usable_email(form, field):
    """Checked with the form, so every problem shows at once (the domain checks again)."""
    problem = field.data and email_problem(field.data)
    if problem:
        raise ValidationError(problem)


# The checks below close over plain values, never the Contest: form classes outlive the
# session that loaded it.
def _usable_phone(region: str):
    def check(form, field):
        problem = field.data and phone_problem(field.data, region)
        if problem:
            raise ValidationError(problem)

    return check


def _old_enough(min_age: int | None, tz_name: str):
    def check(form, field):
        problem = field.data and birth_date_problem(field.data, min_age, tz_name, utcnow())
        if problem:
            raise ValidationError(problem)

    return check


#: Fields of the entry forms bound once, by unbound field, name and language: each form gets
#: copies (``_EntryFormBase.Meta.bind_field``).
_BOUND: dict = {}


class _EntryFormBase(Form):
    class Meta:
        # The embed-safe token below replaces the session-bound CSRF token (see public/views.py).
        csrf = False

        def bind_field(self, form, unbound_field, options):
            """A copy of the field as bound once for this form class and language, the form's
            own from then on (WTForms' hook for binding).

            Binding builds the field anew (its label, its flags from its validators...): on the
            entry POST the nine fields of the demo form cost 7% of the request's instructions
            (callgrind, issue 19). Entry form classes never change (``entry_form_class``), and
            what a request changes on a field (its data, raw data, errors) it assigns, never
            mutates in place, so the copies share only what no request writes. Not for forms whose
            fields are changed per request, as ``claim_form`` does."""
            key = (
                unbound_field,
                options["name"],
                options.get("prefix", ""),
                options.get("translations"),
            )
            bound = _BOUND.get(key)
            if bound is None:
                if len(_BOUND) > 4096:
                    _BOUND.clear()
                bound = unbound_field.bind(form=form, **options)
                # Kept without the form that bound it first, nor its entrant's data.
                bound.meta = bound._form = None
                _BOUND[key] = bound
            field = object.__new__(type(bound))
            field.__dict__.update(bound.__dict__)
            field.meta = self
            field._form = form
            return field

    form_token = HiddenField()
    #: The channel from the page's address (?src=poster); checked again before it is stored.
    source = HiddenField()
    #: Honeypot: hidden from people, filled by naive bots.
    website = StringField(_l("Leave this field empty"))
    first_name = StringField(
        _l("First name"), validators=[DataRequired(), Length(max=100), _no_control_characters]
    )
    last_name = StringField(
        _l("Last name"), validators=[DataRequired(), Length(max=100), _no_control_characters]
    )
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254), _usable_email])


class _EmbeddedEntryFormBase(_EntryFormBase):
    """Filled by the widget's script in an embedded form: the host page and its utm_* parameters.

    Only the embedded form has them: each field costs every POST its binding and its checks.
    """

    host_page = HiddenField(validators=[Optional(), Length(max=2000)])
    utm_source = HiddenField()
    utm_medium = HiddenField()
    utm_campaign = HiddenField()
    utm_term = HiddenField()
    utm_content = HiddenField()


def entry_input(form, source: str, attribution: str) -> EntryInput:
    """What a validated entry form submitted, as ``submit_entry`` takes it, with the request's
    address and browser."""
    answers = {
        name[2:]: (field.data or "")
        for name, field in form._fields.items()
        if name.startswith("q_")
    }
    return EntryInput(
        first_name=form.first_name.data,
        last_name=form.last_name.data,
        email=form.email.data,
        phone=getattr(form, "phone", None) and form.phone.data or "",
        postal_code=getattr(form, "postal_code", None) and form.postal_code.data or "",
        birth_date=form.birth_date.data if hasattr(form, "birth_date") else None,
        answers=answers,
        tie_breaker=form.tie_breaker.data if hasattr(form, "tie_breaker") else None,
        marketing_opt_in=bool(form.marketing_opt_in.data),
        consent_texts=_consents_given(form),
        ip_address=request.remote_addr or "",
        user_agent=request.user_agent.string or "",
        source=source,
        attribution=attribution,
        **_work_input(form),
    )


def _work_input(form) -> dict:
    """A skill contest's work as EntryInput takes it: the text, or the uploaded picture's bytes
    (read up to the request's size limit)."""
    data = getattr(form, "work", None) and form.work.data
    if isinstance(data, str):
        return {"work_text": data}
    return {"work_upload": data.read()} if data else {}


def _consents_given(form) -> dict[str, str]:
    """The exact wording of each box the entrant ticked, as shown to them."""
    wordings = _consent_wordings(form)
    given = {"rules": wordings["rules"]}
    if form.marketing_opt_in.data:
        given["marketing"] = wordings["marketing"]
    if "age" in wordings:
        given["age"] = wordings["age"]
    return given


def _consent_wordings(form) -> dict[str, str]:
    """The boxes' wordings of this form class in this language, translated once: a form class is
    one version of one contest (``entry_form_class``), so its labels never change."""
    wordings: dict = app_cache("contests.consent_wordings", dict)
    key = (type(form), str(get_locale()))
    found = wordings.get(key)
    if found is None:
        if len(wordings) > 1024:
            wordings.clear()
        found = wordings[key] = {
            "rules": str(form.accept_rules.label.text),
            "marketing": str(form.marketing_opt_in.label.text),
        }
        if hasattr(form, "age_confirmed"):
            found["age"] = str(form.age_confirmed.label.text)
    return found


def entry_form_class(contest: Contest, embed: bool = False) -> type[Form]:
    """The entry form class for this contest, standalone or embedded, built once per version of
    it.

    Kept by (contest, last change, state) on the app: public contests are frozen, so a class is
    built once per process instead of on every request.
    """
    classes: dict[tuple, type[Form]] = app_cache("contests.entry_form_classes", dict)
    key = (contest.id, contest.updated_at, contest.state, embed)
    form_class = classes.get(key)
    if form_class is None:
        if len(classes) > 512:
            classes.clear()
        form_class = classes[key] = _build_form_class(contest, embed)
    return form_class


def _build_form_class(contest: Contest, embed: bool) -> type[Form]:
    """Subclass the base form with the fields this contest asks for."""
    fields: dict = {}
    if contest.phone_field != "off":
        required = [DataRequired()] if contest.phone_field == "required" else [Optional()]
        fields["phone"] = StringField(
            _l("Phone"),
            validators=[*required, Length(max=30), _usable_phone(default_region(contest))],
        )
    if contest.postal_code_field != "off":
        required = [DataRequired()] if contest.postal_code_field == "required" else [Optional()]
        fields["postal_code"] = StringField(
            _l("Postal code"),
            validators=[
                *required,
                Length(max=12),
                Regexp(
                    r"^[A-Za-z0-9 -]*$", message=_l("Use letters, digits, spaces and hyphens only.")
                ),
            ],
        )
    if contest.ask_birth_date:
        fields["birth_date"] = DateField(
            _l("Date of birth"),
            validators=[InputRequired(), _old_enough(contest.min_age, contest.timezone)],
            format="%Y-%m-%d",
        )
    elif contest.min_age:
        fields["age_confirmed"] = BooleanField(
            _l("I am aged %(age)d or over.", age=contest.min_age),
            validators=[
                DataRequired(
                    message=_l(
                        "This contest is open to people aged %(age)d or over.", age=contest.min_age
                    )
                )
            ],
        )
    for question in contest.questions:
        required = [DataRequired()] if question.required else [Optional()]
        name = f"q_{question.id}"
        if question.kind == "choice":
            choices = [SelectChoice(c) for c in question.choice_list]
            fields[name] = RadioField(
                question.label,
                choices=choices,
                validators=[*required] if question.required else [Optional()],
                validate_choice=True,
            )
        else:
            fields[name] = StringField(
                question.label, validators=[*required, Length(max=500), _no_control_characters]
            )
    if contest.work_asked == "text":
        fields["work"] = TextAreaField(
            _l("Your text"),
            description=contest.work_prompt or None,
            validators=[DataRequired(message=_l("Write your text to enter."))],
        )
    elif contest.work_asked == "image":
        fields["work"] = FileField(
            _l("Your picture (JPEG, PNG or WebP, 3 MB at most)"),
            description=contest.work_prompt or None,
            render_kw={"accept": "image/jpeg,image/png,image/webp"},
        )
    if contest.tie_breaker_question:
        fields["tie_breaker"] = IntegerField(
            contest.tie_breaker_question,
            validators=[InputRequired(), NumberRange(min=0, max=10**12)],
            description=_l("Tie-breaker question: a whole number."),
        )
    fields["accept_rules"] = BooleanField(
        _l("I have read and accept the contest rules."),
        validators=[DataRequired(message=_l("Accept the rules to enter."))],
    )
    fields["marketing_opt_in"] = BooleanField(
        _l(
            "I agree to receive news and offers from %(name)s by email "
            "(optional; unsubscribe at any time).",
            name=contest.legal_name or contest.organization.name,
        ),
    )
    base = _EmbeddedEntryFormBase if embed else _EntryFormBase
    return type("EntryForm", (base,), fields)


class ResendForm(Form):
    class Meta:
        csrf = False

    form_token = HiddenField()
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class ClaimForm(Form):
    """The winner's claim: where to send the prize and what the rules ask (see
    ``winners.claims.requirements``); the domain checks the values, the form only reads them."""

    postal_address = TextAreaField(
        _l("Postal address"),
        validators=[Length(max=2000)],
        description=_l("Name, street, postal code, town and country, as the carrier needs them."),
    )
    town = StringField(_l("Town"), validators=[Length(max=200)])
    phone = StringField(
        _l("Phone number"),
        validators=[Length(max=50)],
        description=_l("In case the carrier needs to reach you."),
    )
    birth_date = DateField(_l("Date of birth"), validators=[Optional()])
    release_accepted = BooleanField(
        _l(
            "I certify that I am eligible under the rules and I accept the liability and "
            "publicity release."
        )
    )
    publication_ok = BooleanField()


def claim_form(needs) -> ClaimForm:
    """The claim form, with the questions this contest's rules ask and the others removed."""
    form = ClaimForm()
    # Required, but checked by the domain (winners.claims.claim_problems) with its own messages.
    form.phone.flags.required = True
    if needs.address:
        form.postal_address.flags.required = True
    else:
        del form.postal_address
    form.town.flags.required = True
    if needs.publication == "objection":
        form.town.label.text = _l("County")
    if not needs.birth_date:
        del form.birth_date
    else:
        form.birth_date.flags.required = True
    if not needs.release:
        del form.release_accepted
    if needs.publication == "consent":
        form.publication_ok.label.text = _l(
            "I agree that my first name, the initial of my surname and my town are published in "
            "the list of winners."
        )
    elif needs.publication == "objection":
        form.publication_ok.label.text = _l(
            "I object to my surname and county being made available on request as a winner of "
            "this prize draw."
        )
    else:
        del form.publication_ok
    return form
