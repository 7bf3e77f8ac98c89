"""Invitations: who is let in next, the codes, and redeeming them, on both backends."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from leads import invites
from leads.invites import Redeemed
from leads.tests.factories import T0, add_confirmed, lead
from leads.tests.test_concurrency_dynamodb import physics  # noqa: F401 - a fixture

pytestmark = pytest.mark.postgres
LATER = T0 + timedelta(days=1)


def line_up(store, *emails, preview=()):
    for i, email in enumerate(emails):
        add_confirmed(store, lead(email, minutes=i, preview=email in preview))
    store.settle()


class TestNextInLine:
    def test_it_invites_the_first_n_in_line_order_and_the_rest_move_up(self, store):
        line_up(store, "a@x.com", "b@y.org", "c@x.com", "d@x.com")
        invited = invites.invite_next(2, at=LATER)
        assert [lead.email for lead in invited] == ["a@x.com", "b@y.org"]
        store.settle()
        assert [store.place(e) for e in ("a@x.com", "c@x.com", "d@x.com")] == [None, 1, 2]

    def test_only_a_domain_or_only_preview_and_mail_stopped_is_passed_over(self, store):
        line_up(store, "a@x.com", "b@y.org", "c@x.com", "d@y.org", preview={"d@y.org"})
        store.unsubscribe("a@x.com", at=T0)
        assert [p.lead.email for p in invites.next_in_line(5, domain="x.com")] == ["c@x.com"]
        assert [p.lead.email for p in invites.next_in_line(5, preview=True)] == ["d@y.org"]
        assert [p.place for p in invites.next_in_line(2)] == [2, 3]  # a keeps place 1

    def test_nobody_waiting_invites_nobody(self, store):
        store.add(lead("pending@x.com"))
        assert invites.invite_next(3, at=LATER) == []


class TestCodes:
    def test_a_code_is_bound_to_the_invitation_and_shown_in_groups(self, store):
        line_up(store, "a@x.com", "b@x.com")
        a, b = (store.invite(e, at=LATER) for e in ("a@x.com", "b@x.com"))
        assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", invites.code_for(a))
        assert invites.code_for(a) != invites.code_for(b)
        assert invites.code_for(store.get("a@x.com")) == invites.code_for(a)  # stable
        assert invites.code_for(lead("never@x.com")) == ""


class TestRedeem:
    def invited(self, store, email="a@x.com"):
        line_up(store, email)
        return invites.code_for(store.invite(email, at=LATER))

    def test_the_first_time_joins_then_it_is_used(self, store):
        code = self.invited(store)
        assert invites.redeem("a@x.com", code, at=LATER) is Redeemed.OK
        assert store.get("a@x.com").status == "joined"
        assert invites.redeem("a@x.com", code.lower(), at=LATER) is Redeemed.USED

    def test_expired_or_revoked_is_gone(self, store, settings):
        code = self.invited(store)
        late = LATER + timedelta(days=settings.INVITE_DAYS)
        assert invites.redeem("a@x.com", code, at=late) is Redeemed.GONE
        store.revoke_invite("a@x.com")
        assert invites.redeem("a@x.com", code, at=LATER) is Redeemed.GONE
        assert store.get("a@x.com").status == "invited"

    @pytest.mark.parametrize(
        ("email", "code"),
        [
            ("b@x.com", None),  # another lead's email
            ("nobody@x.com", None),
            ("a@x.com", "AAAA-BBBB-CCCC"),
            ("a@x.com", ""),
            ("a@x.com", "x" * 10_000),
        ],
    )
    def test_a_code_and_email_that_do_not_match_are_not_found(self, store, email, code):
        real = self.invited(store)
        add_confirmed(store, lead("b@x.com", minutes=5))
        assert invites.redeem(email, real if code is None else code, at=LATER) is (
            Redeemed.NO_MATCH
        )
        assert store.get("a@x.com").status == "invited"


@pytest.mark.parametrize("store", ["dynamodb"], indirect=True)
class TestRedeemAtOnce:
    # Threads see DynamoDB's writes (the SQL test database is one transaction the test holds).
    # Through the physics proxy: DynamoDB applies one item's conditional writes one at a time,
    # moto's threaded server does not (two of eight went through on it once).
    def test_one_code_redeemed_twice_at_once_succeeds_once(
        self,
        store,
        physics,  # noqa: F811 - the fixture
        monkeypatch,
    ):
        monkeypatch.setenv("AWS_ENDPOINT_URL", physics.url)
        store.client.reset()
        line_up(store, "a@x.com")
        code = invites.code_for(store.invite("a@x.com", at=LATER))
        with ThreadPoolExecutor(8) as pool:
            outcomes = list(pool.map(lambda _: invites.redeem("a@x.com", code, at=LATER), range(8)))
        assert outcomes.count(Redeemed.OK) == 1
        assert outcomes.count(Redeemed.USED) == 7
