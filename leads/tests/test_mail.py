"""leads/mail.py: the mails to the people who join, rendered from the app's templates, and one
sent through Amazon SES (moto's server) as SES received it."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from leads import mail
from leads.mailer import Mailer, Sent
from leads.tests.ses_outbox import SENDER, SesOutbox
from waitlist.mailurl import SES

CONFIRM = "https://signup.example.com/confirm/tok3n"
MANAGE = "https://signup.example.com/me/m4nage"
UNSUBSCRIBE = "https://signup.example.com/unsubscribe/u9sub"


@pytest.fixture(autouse=True)
def site(settings):
    # As SITE_NAME=Rocket Club in the environment makes them: MAIL_FROM_NAME defaults to it.
    settings.SITE_NAME = settings.MAIL_FROM_NAME = "Rocket Club"
    settings.SITE_URL = "https://signup.example.com"
    settings.DEFAULT_FROM_EMAIL = SENDER


def html(message) -> str:
    ((content, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    return content


def confirm(**context):
    return mail.build(
        "confirm", to="ann@x.com", context={"confirm_url": CONFIRM, **context},
        unsubscribe_url=UNSUBSCRIBE,
    )  # fmt: skip


class TestBuild:
    def test_it_has_a_text_and_an_html_part_with_the_site_name(self):
        message = confirm()
        assert message.subject == "Confirm your email for Rocket Club"
        assert message.to == ["ann@x.com"]
        assert "Rocket Club" in message.body
        assert "Rocket Club" in html(message)
        assert message.content_subtype == "plain"

    def test_the_first_link_is_the_confirmation_link(self):
        message = confirm()
        assert message.body.split("https://", 1)[1].startswith(CONFIRM.removeprefix("https://"))
        assert html(message).split('href="', 1)[1].startswith(f'{CONFIRM}"')

    def test_it_carries_the_one_click_unsubscribe_headers(self):
        mime = confirm().message()
        assert mime["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
        assert mime["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert UNSUBSCRIBE in confirm().body

    def test_without_an_unsubscribe_url_there_are_no_list_headers(self):
        mime = mail.build("already", to="ann@x.com", context={"manage_url": MANAGE}).message()
        assert mime["List-Unsubscribe"] is None
        assert mime["List-Unsubscribe-Post"] is None

    def test_it_comes_from_the_site_by_name(self, settings):
        assert confirm().from_email == f"Rocket Club <{SENDER}>"
        settings.MAIL_FROM_NAME = "Ann at Rocket, Inc."
        assert confirm().from_email == f'"Ann at Rocket, Inc." <{SENDER}>'
        settings.DEFAULT_FROM_EMAIL = f"Rockets <{SENDER}>"
        assert confirm().from_email == f"Rockets <{SENDER}>"

    def test_a_name_beyond_ascii_arrives_as_written(self, settings):
        settings.MAIL_FROM_NAME = "Café Rocket"
        received = message_from_bytes(confirm().message().as_bytes(), policy=policy.default)
        assert received["From"] == f"Café Rocket <{SENDER}>"

    def test_the_html_part_escapes_values_and_the_text_part_keeps_them(self):
        message = mail.build(
            "welcome", to="ann@x.com", context={"name": "<script>alert(1)</script> & Co"}
        )
        assert "<script>" not in html(message)
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html(message)
        assert "Hi <script>alert(1)</script> & Co," in message.body

    def test_a_stored_line_break_cannot_start_a_line_of_its_own(self):
        message = mail.build("welcome", to="ann@x.com", context={"name": "Ann\nVisit evil.example"})
        assert "Hi Ann\\u000aVisit evil.example," in message.body
        assert "\nVisit evil.example" not in message.body

    def test_welcome_says_the_place_and_links_the_manage_page(self):
        message = mail.build(
            "welcome", to="ann@x.com", context={"name": "Ann", "place": 42, "manage_url": MANAGE}
        )
        assert message.subject == "You are on the Rocket Club waitlist"
        assert "Hi Ann," in message.body
        assert "number 42 in line" in message.body
        assert MANAGE in message.body
        assert f'href="{MANAGE}"' in html(message)

    def test_already_says_so_and_greets_nobody_by_name(self):
        message = mail.build(
            "already", to="ann@x.com", context={"name": "Stranger", "manage_url": MANAGE}
        )
        assert message.subject == "You are already on the Rocket Club waitlist"
        assert "already on the list" in message.body
        assert "Stranger" not in message.body + html(message)
        assert MANAGE in message.body

    def test_invite_shows_the_code_on_a_line_of_its_own(self):
        message = mail.build("invite", to="ann@x.com", context={"name": "Ann", "code": "RKT-7Q2X"})
        assert message.subject == "Your invitation to Rocket Club"
        assert "Invitation code: RKT-7Q2X" in message.body.splitlines()
        assert "RKT-7Q2X" in html(message)

    @pytest.mark.parametrize("kind", mail.KINDS)
    def test_every_kind_renders_both_parts(self, kind):
        message = mail.build(kind, to="ann@x.com", context={"code": "C", "confirm_url": CONFIRM})
        assert message.subject and "\n" not in message.subject
        assert message.body.endswith("\n") and "\n\n\n" not in message.body
        assert html(message).startswith("<!doctype html>")

    def test_templates_can_be_overridden_the_django_way(self, settings, tmp_path):
        folder = tmp_path / "leads" / "mail"
        folder.mkdir(parents=True)
        (folder / "confirm_subject.txt").write_text("Please confirm, {{ site_name }} fan")
        settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
        assert confirm().subject == "Please confirm, Rocket Club fan"

    @pytest.mark.parametrize("kind", ["../base", "Confirm", ""])
    def test_it_refuses_a_kind_that_is_not_a_name(self, kind):
        with pytest.raises(ValueError, match="not a kind of mail"):
            mail.build(kind, to="ann@x.com")

    def test_it_refuses_an_unsubscribe_url_that_could_break_the_header(self):
        with pytest.raises(ValueError, match="not an unsubscribe URL"):
            mail.build("welcome", to="ann@x.com", unsubscribe_url="https://a.example/> <x")


class TestThroughSes:
    def test_ses_receives_both_parts_and_the_headers(self, ses_server, settings):
        settings.EMAIL_BACKEND = SES
        outbox = SesOutbox(ses_server.url)
        outcome = Mailer(rate=lambda: None).send(confirm(name="Ann"))
        assert isinstance(outcome, Sent) and outcome.message_id
        (received,) = outbox.read()
        assert received["From"] == f"Rocket Club <{SENDER}>"
        assert received["To"] == "ann@x.com"
        assert received["Subject"] == "Confirm your email for Rocket Club"
        assert received["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
        assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        text, page = parts(received)
        assert CONFIRM in text and f'href="{CONFIRM}"' in page


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    page = message.get_body(("html",))
    assert text is not None and page is not None
    return text.get_content(), page.get_content()
