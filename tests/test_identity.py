"""Identity normalization: the tricks entrants use to enter twice map to one key."""

import pytest

from contests.identity import (
    DisposableEmail,
    InvalidEmail,
    InvalidPhone,
    fold_text,
    household_key,
    normalize_email,
    normalize_phone,
)


@pytest.mark.parametrize(
    "variants",
    [
        [
            "john.smith@gmail.com",
            "JohnSmith@gmail.com",
            "j.o.h.n.s.m.i.t.h+concours@googlemail.com",
            " John.Smith+x@GMAIL.com ",
        ],
        ["marie@outlook.fr", "Marie+jeu@outlook.fr", "MARIE@OUTLOOK.FR"],
        ["paul@hotmail.com", "paul+1@hotmail.com"],
        ["lea-concours@yahoo.fr", "Lea-autre@Yahoo.fr"],  # one disposable base, two keywords
        ["ivan.petrov@yandex.ru", "Ivan-Petrov@ya.ru", "ivan.petrov+promo@yandex.com"],
        ["sam@icloud.com", "sam@me.com", "Sam+promo@mac.com"],
        ["ana@proton.me", "ana+x@protonmail.com", "ana@pm.me"],
        ["zoé@exemple.fr", "ZOÉ@exemple.fr", "zoe\u0301@exemple.fr"],
        ["contact@café.fr", "contact@xn--caf-dma.fr"],
    ],
)
def test_aliases_share_a_key(variants):
    keys = {normalize_email(v).key for v in variants}
    assert len(keys) == 1, keys


@pytest.mark.parametrize(
    "a, b",
    [
        ("john.smith@outlook.com", "johnsmith@outlook.com"),  # dots matter outside Gmail
        ("marie@hotmail.fr", "marie@hotmail.com"),  # distinct Microsoft mailboxes
        ("a+b@orange.fr", "a@orange.fr"),  # unknown rules: keep the address as is
        ("lea-x@gmail.com", "lea@gmail.com"),  # "-" is not a Gmail tag
        # Yahoo's disposable base is not the mailbox of the same name: a stranger may own it.
        ("jane-shop@yahoo.com", "jane@yahoo.com"),
        ("straße@example.de", "strasse@example.de"),  # two spellings, two mailboxes
    ],
)
def test_distinct_mailboxes_stay_distinct(a, b):
    assert normalize_email(a).key != normalize_email(b).key


@pytest.mark.parametrize(
    "raw", ["", "plainaddress", "a@b", "a@@b.fr", "a b@c.fr", "a@-b.fr", "x" * 300 + "@a.fr"]
)
def test_invalid_addresses(raw):
    with pytest.raises(InvalidEmail):
        normalize_email(raw)


@pytest.mark.parametrize("raw", ["x@mailinator.com", "x@yopmail.com", "x@sub.mailinator.com"])
def test_disposable_domains_are_refused(raw):
    with pytest.raises(DisposableEmail):
        normalize_email(raw)


@pytest.mark.parametrize(
    "raw, region, e164",
    [
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "FR", "+33612345678"),
        ("0033612345678", "FR", "+33612345678"),
        ("(212) 555-0123", "US", "+12125550123"),
        ("0470 12 34 56", "BE", "+32470123456"),
        ("+44 7911 123456", "FR", "+447911123456"),
    ],
)
def test_phones_to_e164(raw, region, e164):
    assert normalize_phone(raw, region) == e164


@pytest.mark.parametrize("raw", ["12", "phone", "+33 1", "06 12 34 56 78 90 12"])
def test_invalid_phones(raw):
    with pytest.raises(InvalidPhone):
        normalize_phone(raw, "FR")


def test_household_key_ignores_accents_case_and_spacing():
    assert household_key("Zoé", "L'Hôte-Durand", "75 011") == household_key(
        " zoe ", "lhote durand", "75011"
    )
    assert household_key("Zoé", "Durand", "75011") != household_key("Zoé", "Durand", "75012")
    assert fold_text("Ærø Straße") == "ærøstrasse"


@pytest.mark.parametrize(
    "region, example", [("FR", "06 12 34 56 78"), ("US", "(201) 555-0123"), ("GB", "07400 123456")]
)
def test_the_phone_message_shows_what_people_of_the_contest_type(app, region, example):
    from contests.entries.submission import phone_problem

    assert example in str(phone_problem("12", region))


def test_territories_are_countries_phone_numbers_belong_to(app):
    from werkzeug.datastructures import MultiDict

    from contests.contest.fields import ContestFields

    form = ContestFields(formdata=MultiDict({"territory": "FR, EU, UN, ZZ"}), meta={"csrf": False})
    form.validate()
    assert any("EU, UN, ZZ" in str(message) for message in form.territory.errors)
    form = ContestFields(formdata=MultiDict({"territory": "FR, BE, CH"}), meta={"csrf": False})
    form.validate()
    assert form.territory.errors == []
