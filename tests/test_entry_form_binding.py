"""The entry form's fields are bound once per form class and language, and copied for each form
(``public.forms._EntryFormBase.Meta.bind_field``, issue 19): each form must still own its fields,
and a copy must behave as a field bound anew would."""

from datetime import UTC, datetime

import pytest
from flask import g
from flask_babel import refresh
from wtforms.meta import DefaultMeta

from contests.models import Question
from contests.public.forms import entry_form_class


@pytest.fixture
def complete(app, db, factory):
    """A contest whose form has every kind of field: phone, postal code, birth date, a text and
    a choice question, a tie-breaker, a text work, the consents."""
    from contests.contest.publishing import publish_contest

    contest = factory.contest(
        factory.organization("Musée"),
        slug="complet",
        min_age=18,
        phone_field="required",
        postal_code_field="optional",
        ask_birth_date=True,
        mechanic="skill",
        work_asked="text",
        tie_breaker_question="Combien de participations ?",
        jury_description="Jury",
    )
    db.session.add_all(
        [
            Question(contest_id=contest.id, position=1, label="Votre tableau ?", kind="text"),
            Question(
                contest_id=contest.id,
                position=2,
                label="Comment nous avez-vous connus ?",
                kind="choice",
                choices="Affiche\nLettre\nAmis",
                required=True,
            ),
        ]
    )
    publish_contest(contest, None, datetime.now(UTC))
    db.session.commit()
    return contest


def _posted(app, language: str, **data):
    context = app.test_request_context("/c/complet", method="POST", data=data)
    context.push()
    g.locale = language
    refresh()  # Flask-Babel keeps the language it found on the app context, shared here
    return context


def _bound_anew(form_class):
    """The same form class, its fields bound by WTForms' own ``bind_field``."""
    meta = type("Meta", (), {"bind_field": DefaultMeta.bind_field})
    return type("BoundAnew", (form_class,), {"Meta": meta})


def test_each_form_owns_its_fields(app, complete):
    """Two forms of one class, in two requests: data, errors and the form a field belongs to are
    each form's own, whatever the other did first."""
    form_class = entry_form_class(complete)
    first_request = _posted(app, "fr", first_name="Zoé", email="pas-une-adresse")
    first = form_class()
    assert not first.validate()
    first_request.pop()
    with _posted(app, "fr", first_name="Léa", last_name="Martin", email="lea@example.org"):
        second = form_class()
        second.validate()
        assert second.first_name.data == "Léa" and second.email.errors == []
        assert second.phone.errors  # required, and not given
    assert first.first_name.data == "Zoé" and first.email.errors and first.last_name.errors
    assert first.phone.errors is not second.phone.errors
    for name, field in first._fields.items():
        other = second._fields[name]
        assert field is not other and field._form is first and other._form is second, name
        assert field.meta is first.meta and other.meta is second.meta, name


def test_copied_fields_read_and_render_as_fields_bound_anew(app, complete):
    """What a form reads from a POST, the errors it finds (WTForms' own messages included) and
    the HTML of every field and label are those of the same form bound by WTForms itself, in
    one language then the other."""
    form_class = entry_form_class(complete)
    q1, q2 = complete.questions
    posted = {
        "first_name": "Zoé",
        "last_name": "",
        "email": "zoe@example.org",
        "phone": "12",
        "postal_code": "75011",
        "birth_date": "2020-01-01",
        f"q_{q1.id}": "<b>La Joconde</b>",
        f"q_{q2.id}": "Pas un choix",
        "tie_breaker": "beaucoup",
        "work": "Un texte.",
        "accept_rules": "y",
    }
    seen = set()
    for language, data in (("fr", posted), ("en", posted), ("fr", {}), ("en", {})):
        with _posted(app, language, **data):
            copied, anew = form_class(), _bound_anew(form_class)()
            assert copied.validate() == anew.validate()
            assert list(copied._fields) == list(anew._fields)
            for name, field in copied._fields.items():
                other = anew._fields[name]
                assert (field.data, field.raw_data) == (other.data, other.raw_data), name
                assert [str(e) for e in field.errors] == [str(e) for e in other.errors], name
                assert str(field.label()) == str(other.label()), name
                assert str(field()) == str(other()), name
                assert field.flags.required == other.flags.required, name
            seen.add(str(copied.tie_breaker.errors[0]) if data else language)
    assert seen == {"N'est pas un entier valide.", "Not a valid integer value.", "fr", "en"}
