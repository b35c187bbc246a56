"""Whatever is posted: no 500, no second entry for one identity, nothing unescaped."""

import re
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from contests.models import Entry

TOKEN = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')
FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "postal_code",
    "birth_date",
    "tie_breaker",
    "accept_rules",
    "marketing_opt_in",
    "website",
    "q_1",
)

field_values = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.sampled_from(
        [
            "",
            "zoe@example.org",
            "ZOE@example.org",
            "z.o.e+x@gmail.com",
            "zoe@gmail.com",
            "<script>alert(1)</script>",
            "=1+1",
            "\x00",
            "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
            "0612345678",
            "1900-01-01",
            "2999-12-31",
            "-5",
            "99999999999999999999",
            "y",
        ]
    ),
)


@pytest.fixture
def strict_contest(factory, db):
    from contests.contest.editing import add_question
    from contests.contest.publishing import publish_contest

    contest = factory.contest(
        factory.organization("Musée"),
        slug="robuste",
        min_age=18,
        ask_birth_date=True,
        phone_field="optional",
        postal_code_field="required",
        mechanic="skill",
        tie_breaker_question="Combien ?",
        jury_description="Jury",
    )
    add_question(
        contest,
        {"label": "Couleur ?", "kind": "choice", "choices": "Rouge\nBleu", "required": True},
        None,
    )
    publish_contest(contest, None, factory.now)
    db.session.commit()
    return contest


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.dictionaries(st.sampled_from(FIELDS), field_values, max_size=len(FIELDS)))
def test_arbitrary_submissions_never_break_the_guarantees(app, client, db, strict_contest, data):
    token = TOKEN.search(client.get("/c/robuste").get_data(as_text=True)).group(1)
    question = strict_contest.questions[0]
    payload = {(f"q_{question.id}" if key == "q_1" else key): value for key, value in data.items()}
    response = client.post("/c/robuste", data={"form_token": token, **payload})
    assert response.status_code in (200, 303, 400, 409), response.status_code
    body = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body
    db.session.expire_all()
    duplicates = db.session.execute(
        select(Entry.identity_key, Entry.period, func.count())
        .group_by(Entry.identity_key, Entry.period)
        .having(func.count() > 1)
    ).all()
    assert duplicates == []


def test_invalid_utf8_and_control_bytes_are_handled(app, client, db, factory):
    factory.contest(factory.organization("Musée"), publish=True, slug="octets", min_age=0)
    token = TOKEN.search(client.get("/c/octets").get_data(as_text=True)).group(1)
    body = (
        f"form_token={token}&accept_rules=y&email=octets%40example.org"
        "&first_name=Zo%E9&last_name=%FF%FE%00Durand"
    ).encode()
    response = client.post("/c/octets", data=body, content_type="application/x-www-form-urlencoded")
    # The NUL byte is refused with a message; nothing is stored half-decoded.
    assert response.status_code == 400
    assert "Retirez les caractères de contrôle invisibles" in response.get_data(as_text=True)
    body = body.replace(b"%00", b"")
    response = client.post("/c/octets", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 303
    entry = db.session.execute(select(Entry)).scalar_one()
    # Werkzeug keeps undecodable bytes percent-encoded: text, stored and shown as typed.
    assert entry.first_name == "Zo%E9" and entry.last_name == "%FF%FEDurand"


def test_a_nul_byte_in_the_address_is_refused_before_any_view(app, client, db, factory):
    """A NUL in the path or in a query parameter's name or value is a 400 (PostgreSQL refuses
    it in any text); the text "%00", encoded as "%2500", is no NUL."""
    factory.contest(factory.organization("Musée"), publish=True, slug="octets", min_age=0)
    for url in ("/c/oct%00ets", "/c/octets?src=a%00b", "/c/octets?a%00=b", "/c/octets?x=1&%00"):
        assert client.get(url).status_code == 400, url
    assert client.get("/c/octets?src=a%2500b").status_code == 200


REDIS_PREFIX = f"contests-test-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize(
    "app",
    [
        {
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
            "RATELIMIT_KEY_PREFIX": REDIS_PREFIX,
            "ENTRY_LIMIT_PER_IP": "3 per minute",
        }
    ],
    indirect=True,
)
def test_entry_rate_limit_shared_through_redis(app, client, db, factory):
    """Counters live in the real Redis, so several workers share them."""
    import redis

    server = redis.Redis(host="127.0.0.1", port=6379)
    for key in server.keys(f"*{REDIS_PREFIX}*"):  # the other backend's run left its counters
        server.delete(key)
    factory.contest(factory.organization("Musée"), publish=True, slug="limite", min_age=0)
    statuses = []
    for n in range(4):
        token = TOKEN.search(client.get("/c/limite").get_data(as_text=True)).group(1)
        response = client.post(
            "/c/limite",
            data={
                "form_token": token,
                "first_name": "A",
                "last_name": "B",
                "email": f"p{n}@example.org",
                "accept_rules": "y",
            },
        )
        statuses.append(response.status_code)
    assert statuses == [303, 303, 303, 429]
    # When the minute's window lets the sender in again, not a fixed quarter of an hour.
    assert 1 <= int(response.headers["Retry-After"]) <= 61
    assert "X-RateLimit-Remaining" not in response.headers
    assert server.keys(f"*{REDIS_PREFIX}*"), "the limiter wrote no counter to Redis"


IDENTITIES = ["zoe@gmail.com", "Z.O.E+concours@gmail.com", "paul@example.org", "lea@example.fr"]


@pytest.mark.parametrize("app", [{"ENTRY_LIMIT_PER_IP": "10000 per minute"}], indirect=True)
def test_valid_forms_varied_one_field_at_a_time_keep_one_entry_per_person(
    app, client, db, strict_contest
):
    """A valid form with one field replaced by an arbitrary value, for a few people under
    several spellings: every accepted entry is a new person, every refusal of an already entered
    person says so (409), and the table never holds a person twice. The run must reach both the
    insert and the refusal, or it proves nothing about duplicates."""
    from collections import Counter

    from contests.identity import identity_key, normalize_email

    question = strict_contest.questions[0]
    valid = {
        "first_name": "Zoé",
        "last_name": "Durand",
        "postal_code": "75011",
        "birth_date": "1990-05-01",
        "tie_breaker": "42",
        "accept_rules": "y",
        f"q_{question.id}": "Rouge",
    }
    entered: set[str] = set()
    seen: Counter = Counter()

    @settings(max_examples=80, deadline=None)
    @given(
        email=st.sampled_from(IDENTITIES),
        varied=st.one_of(st.none(), st.sampled_from(FIELDS)),
        value=field_values,
    )
    def submit(email, varied, value):
        token = TOKEN.search(client.get("/c/robuste").get_data(as_text=True)).group(1)
        data = {**valid, "email": email, "form_token": token}
        if varied is not None:
            data[f"q_{question.id}" if varied == "q_1" else varied] = value
        try:
            key = identity_key(normalize_email(data["email"]).key)
        except ValueError:  # not an address anyone can enter with
            key = None
        status = client.post("/c/robuste", data=data).status_code
        seen[status] += 1
        assert status in (200, 303, 400, 409), status
        if varied is None:
            assert status == (409 if key in entered else 303)
        if status == 303:
            assert key is not None and key not in entered
            entered.add(key)
        if status == 409:
            assert key in entered
        db.session.expire_all()
        assert db.session.execute(select(func.count()).select_from(Entry)).scalar() == len(entered)

    submit()
    assert seen[303] >= 2 and seen[409] >= 1, seen
