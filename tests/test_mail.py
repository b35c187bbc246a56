"""Double opt-in through a real SMTP server on loopback (aiosmtpd), and the outbox when it is
down."""

import email
import re
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from contests.models import Entry, OutboxMessage
from helpers import enter, free_port


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.url = f"smtp://127.0.0.1:{controller.port}"
    yield inbox
    controller.stop()


@pytest.fixture
def optin_contest(factory):
    return factory.contest(
        factory.organization("Musée"), publish=True, slug="optin", min_age=0, double_opt_in=True
    )


def _submit(client, **fields):
    """Enter, then close the response as a WSGI server does once it is sent (mail goes then)."""
    response = enter(client, "optin", **fields)
    response.close()
    return response


def _body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_double_opt_in_end_to_end(app, client, db, smtp, optin_contest):
    app.config["SMTP_URL"] = smtp.url
    response = _submit(client, email="Jeanne@example.org", first_name="Jeanne")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Dernière étape" in page
    entry = db.session.execute(select(Entry)).scalar_one()
    assert entry.status == "pending"
    # Delivered right after the response, through the real server.
    (mail,) = smtp.messages
    assert (
        mail["To"] == "Jeanne@example.org"
        and mail["Subject"] == "Confirmez votre participation : Jeu de Noël"
    )
    body = _body(mail)
    assert "Bonjour Jeanne," in body and entry.receipt_code in body
    link = re.search(r"http://localhost/c/optin/confirm/\S+", body).group(0)
    path = link.replace("http://localhost", "")
    # Opening the link (as a mail scanner would) confirms nothing...
    assert "Confirmer ma participation" in client.get(path).get_data(as_text=True)
    db.session.expire_all()
    assert entry.status == "pending"
    # ...pressing the button does, once.
    response = client.post(path)
    response.close()
    assert response.status_code == 303
    assert client.post(path).status_code == 200
    db.session.expire_all()
    assert entry.status == "confirmed" and entry.confirmed_at is not None
    assert "Votre participation est confirmée" in client.get(path).get_data(as_text=True)
    assert [m["Subject"] for m in smtp.messages][
        -1
    ] == "Votre participation est enregistrée : Jeu de Noël"
    assert len(smtp.messages) == 2


def test_tampered_and_expired_links(app, client, db, smtp, optin_contest):
    app.config["SMTP_URL"] = smtp.url
    _submit(client)
    link = re.search(r"/c/optin/confirm/(\S+)", _body(smtp.messages[0])).group(1)
    response = client.get(f"/c/optin/confirm/{link[:-3]}xyz")
    assert response.status_code == 400 and "Le lien est incomplet" in response.get_data(
        as_text=True
    )
    app.config["CONFIRM_MAX_AGE_HOURS"] = -1
    response = client.get(f"/c/optin/confirm/{link}")
    assert response.status_code == 400 and "Le lien a expiré." in response.get_data(as_text=True)


def test_mail_waits_in_the_outbox_while_smtp_is_down(app, client, db, runner, smtp, optin_contest):
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"  # nothing listens there
    assert _submit(client).status_code == 303
    db.session.expire_all()
    message = db.session.execute(select(OutboxMessage)).scalar_one()
    assert message.sent_at is None and message.attempts == 1 and "connect" in message.last_error
    # The entry is safe, and `contests send-mail` delivers once the server is back (retry is due).
    message.next_attempt_at = message.created_at
    db.session.commit()
    app.config["SMTP_URL"] = smtp.url
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0 and "sent 1, failed 0" in result.output
    assert len(smtp.messages) == 1
    db.session.expire_all()
    assert db.session.execute(select(OutboxMessage.sent_at)).scalar_one() is not None


def test_resend_is_rate_limited_and_says_the_same_for_unknown_addresses(
    app, client, db, smtp, optin_contest
):
    app.config["SMTP_URL"] = smtp.url
    _submit(client, email="jeanne@example.org")
    token = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')

    def resend(address):
        html = client.get("/c/optin/resend").get_data(as_text=True)
        response = client.post(
            "/c/optin/resend", data={"form_token": token.search(html).group(1), "email": address}
        )
        response.close()
        return response

    first = resend("jeanne@example.org")
    unknown = resend("nobody@example.org")
    assert "un nouvel e-mail est en route" in first.get_data(as_text=True)
    assert "un nouvel e-mail est en route" in unknown.get_data(as_text=True)
    assert len(smtp.messages) == 2  # the first link and one resend, nothing for the unknown address
    for _ in range(3):
        resend("jeanne@example.org")
    assert resend("jeanne@example.org").status_code == 429


def test_send_mail_without_server_is_an_error(app, runner):
    app.config["SMTP_URL"] = ""
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 1 and "CONTESTS_SMTP_URL is not set" in result.output


def test_cross_site_confirmation_and_unsigned_resend_change_nothing(app, client, db, optin_contest):
    """A confirmation posted from another site, or a resend without the form's signed token,
    confirms nothing and queues nothing."""
    assert _submit(client, email="jeanne@example.org").status_code == 303
    (body,) = db.session.execute(select(OutboxMessage.body)).scalars().all()
    path = re.search(r"http://localhost(/c/optin/confirm/\S+)", body).group(1)
    response = client.post(path, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.execute(select(Entry.status)).scalar_one() == "pending"
    for token in ("", "forged", None):
        data = {"email": "jeanne@example.org"} | ({} if token is None else {"form_token": token})
        assert client.post("/c/optin/resend", data=data).status_code == 400
    assert len(db.session.execute(select(OutboxMessage.id)).scalars().all()) == 1


def test_the_receipt_is_written_at_delivery_in_the_contest_s_language(
    app, client, db, smtp, factory
):
    """The entry receipt is queued as a template and written by the delivery (issue 19): the mail
    that reaches the server holds the entry's number, receipt code and links in French; the row
    then keeps the text as sent; a receipt whose entry was erased meanwhile is not sent at all."""
    from contests.entries.retention import erase
    from contests.mail import deliver_pending

    factory.contest(factory.organization("Musée"), publish=True, slug="recu", min_age=0)
    assert enter(client, "recu", email="zoe@example.org", first_name="Zoé").status_code == 303
    assert enter(client, "recu", email="leo@example.org", first_name="Léo").status_code == 303
    queued = db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
    assert [(m.template, m.body, m.subject) for m in queued] == [("receipt", "", "")] * 2
    zoe, leo = db.session.execute(select(Entry).order_by(Entry.id)).scalars().all()
    # Léo erased his data before the mail went: his receipt goes with it.
    erase([leo.id], leo.created_at)
    db.session.commit()

    assert deliver_pending(smtp.url, "jeux@example.org") == (1, 0)
    (message,) = smtp.messages
    body = _body(message)
    assert message["To"] == "zoe@example.org" and message["From"].startswith("Musée")
    assert message["Subject"].startswith("Votre participation est enregistrée")
    assert "Bonjour Zoé," in body and zoe.receipt_code in body
    assert f"/c/recu/receipt/{zoe.receipt_code}.json" in body and "/me/" in body
    assert message["List-Unsubscribe"].startswith("<http://localhost/me/")
    db.session.expire_all()
    row = db.session.get(OutboxMessage, queued[0].id)
    assert row.sent_at is not None and zoe.receipt_code in row.body
    assert row.subject == message["Subject"]
