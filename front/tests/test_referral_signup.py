"""/?ref=CODE: the referral code of a shared link, carried through the signup."""

from __future__ import annotations

import re

import pytest

from front.tests.joiners import stored
from leads.tests.factories import confirmed

CODE = "abcdefgh"  # a well-formed code nobody holds
GOOD = {"name": "Ann Lee", "email": "ann@example.com", "previewAccess": "Yes"}
JSON = {"HTTP_ACCEPT": "application/json"}
BOGUS = [
    "nope",
    "x" * 5000,
    "abcdefg1",  # "1" is not in the alphabet
    "abcdefghj",  # one letter too many
    '"><script>alert(1)</script>',
    "\x00" * 8,
    "",
]


def without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


class TestLandingPage:
    def test_a_valid_code_goes_into_the_signup_form(self, client, store):
        html = client.get(f"/?ref={CODE.upper()}").content.decode()
        assert f'<input type="hidden" name="ref" value="{CODE}">' in html

    @pytest.mark.parametrize("bogus", BOGUS)
    def test_a_bogus_code_is_ignored_and_never_echoed(self, client, store, bogus):
        response = client.get("/", {"ref": bogus})
        assert response.status_code == 200
        html = response.content.decode()
        assert 'name="ref"' not in html
        assert "script&gt;" not in html and "nope" not in html and "xxxxx" not in html

    def test_the_preview_address_carries_no_code(self, client, store):
        html = client.get(f"/?ref={CODE}").content.decode()
        assert '<meta property="og:url" content="http://testserver/">' in html

    def test_it_says_nothing_about_the_codes_owner(self, client, store):
        stored(store, "olivia@owner.org", name="Olivia")
        owner = confirmed(store, "olivia@owner.org")
        known = client.get(f"/?ref={owner.ref_code}").content.decode()
        unknown = client.get(f"/?ref={CODE}").content.decode()
        assert "Olivia" not in known and "owner.org" not in known
        assert without_tokens(known).replace(owner.ref_code, CODE) == without_tokens(unknown)


class TestSignupWithCode:
    def test_the_code_is_stored_on_the_new_lead(self, client, store):
        assert client.post("/signup", {**GOOD, "ref": CODE}, **JSON).status_code == 200
        assert store.get("ann@example.com").referred_by == CODE

    def test_it_works_without_javascript(self, client, store):
        response = client.post("/signup", {**GOOD, "ref": f" {CODE.upper()} "})
        assert (response.status_code, response["Location"]) == (302, "/thanks")
        assert store.get("ann@example.com").referred_by == CODE

    @pytest.mark.parametrize("bogus", BOGUS)
    def test_a_bogus_code_is_ignored(self, client, store, bogus):
        response = client.post("/signup", {**GOOD, "ref": bogus}, **JSON)
        assert response.status_code == 200
        assert store.get("ann@example.com").referred_by == ""

    def test_a_form_sent_back_keeps_only_a_valid_code(self, client, store):
        bad_email = {**GOOD, "email": "nope"}
        kept = client.post("/signup", {**bad_email, "ref": CODE}).content.decode()
        assert f'<input type="hidden" name="ref" value="{CODE}">' in kept
        dropped = client.post("/signup", {**bad_email, "ref": "<b>x</b>"}).content.decode()
        assert 'name="ref"' not in dropped and "&lt;b&gt;" not in dropped

    def test_a_known_address_gets_the_same_answer_and_keeps_its_code(self, client, store):
        first = client.post("/signup", {**GOOD, "ref": CODE}, **JSON)
        again = client.post("/signup", {**GOOD, "ref": "zzzzzzzz"}, **JSON)
        assert (first.status_code, first.content) == (again.status_code, again.content)
        assert store.get("ann@example.com").referred_by == CODE

    def test_a_known_address_gets_the_same_answer_with_or_without_a_code(self, client, store):
        first = client.post("/signup", GOOD, **JSON)
        again = client.post("/signup", {**GOOD, "ref": CODE}, **JSON)
        assert (first.status_code, first.content) == (again.status_code, again.content)
