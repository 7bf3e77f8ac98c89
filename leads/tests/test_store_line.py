"""The store port's contract for the line, referrals and invitations, on every backend."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from leads import referrals
from leads.store import Consent
from leads.tests.factories import T0, lead

pytestmark = pytest.mark.postgres


def join_line(store, email, *, ref="", ip="192.0.2.7", minutes=0):
    """Sign up (with a referral code) and confirm from `ip`; returns the stored lead."""
    store.add(replace(lead(email, minutes=minutes), referred_by=ref))
    consent = Consent(text="I want in.", version="1", ip=ip, user_agent="pytest")
    store.confirm(email, consent=consent, at=T0 + timedelta(minutes=minutes, seconds=1))
    store.settle()
    return store.get(email)


def places(store, emails):
    return [store.place(email) for email in emails]


class TestPlaces:
    def test_confirmations_take_places_in_order_and_pending_leads_have_none(self, store):
        for i in range(3):
            join_line(store, f"u{i}@x.com", minutes=i)
        store.add(lead("late@x.com", minutes=9))
        assert places(store, ["u0@x.com", "u1@x.com", "u2@x.com"]) == [1, 2, 3]
        assert [store.get(f"u{i}@x.com").seq for i in range(3)] == [1, 2, 3]
        assert store.place("late@x.com") is None
        assert store.place("nobody@x.com") is None

    def test_erasing_or_inviting_moves_everyone_behind_up(self, store):
        for i in range(4):
            join_line(store, f"u{i}@x.com", minutes=i)
        store.delete("u0@x.com")
        store.invite("u2@x.com", at=T0)
        store.settle()
        assert places(store, ["u1@x.com", "u2@x.com", "u3@x.com"]) == [1, None, 2]

    def test_an_unsubscribed_lead_keeps_its_place(self, store):
        join_line(store, "a@x.com")
        join_line(store, "b@x.com", minutes=1)
        store.unsubscribe("a@x.com", at=T0)
        store.settle()
        assert places(store, ["a@x.com", "b@x.com"]) == [1, 2]

    def test_the_line_pages_in_order_with_places(self, store):
        for i in range(5):
            join_line(store, f"u{i}@x.com", minutes=i)
        first = store.line(limit=2)
        assert [(p.place, p.lead.email) for p in first.items] == [(1, "u0@x.com"), (2, "u1@x.com")]
        rest = store.line(cursor=first.next, limit=10)
        assert [(p.place, p.lead.email) for p in rest.items] == [
            (3, "u2@x.com"),
            (4, "u3@x.com"),
            (5, "u4@x.com"),
        ]
        assert rest.next is None


class TestReferrals:
    def test_a_confirmed_referral_moves_the_referrer_up_by_the_boost(self, store, settings):
        settings.REFERRAL_BOOST = 5
        for i in range(7):
            join_line(store, f"u{i}@x.com", minutes=i, ip=f"198.51.{i}.1")
        code = store.get("u6@x.com").ref_code
        assert store.referrer(code).email == "u6@x.com"
        join_line(store, "friend@y.org", ref=code, minutes=10, ip="203.0.113.5")
        # u6: seq 7 - 5 = score 2, tied with u1 (seq 2), who confirmed earlier.
        assert store.get("u6@x.com").credits == 1
        assert places(store, ["u0@x.com", "u1@x.com", "u6@x.com", "u2@x.com"]) == [1, 2, 3, 4]
        assert [r.email for r in store.top_referrers()] == ["u6@x.com"]

    def test_a_referral_is_credited_only_when_the_referred_person_confirms(self, store):
        join_line(store, "ref@x.com", ip="198.51.100.1")
        code = store.get("ref@x.com").ref_code
        store.add(replace(lead("friend@y.org", minutes=1), referred_by=code))
        store.settle()
        assert store.get("ref@x.com").credits == 0

    @pytest.mark.parametrize(
        ("referee", "ip", "reason"),
        [
            ("R.E.F+x@googlemail.com", "203.0.113.5", referrals.OWN_MAILBOX),
            ("someone@mailinator.com", "203.0.113.5", referrals.DISPOSABLE),
            ("friend@y.org", "198.51.100.77", referrals.REFERRER_NETWORK),
        ],
    )
    def test_a_withheld_credit_is_recorded_with_its_reason(self, store, referee, ip, reason):
        join_line(store, "ref@gmail.com", ip="198.51.100.1")
        code = store.get("ref@gmail.com").ref_code
        join_line(store, referee.lower(), ref=code, minutes=1, ip=ip)
        assert store.get("ref@gmail.com").credits == 0
        (withheld,) = store.withheld()
        assert (withheld.referrer, withheld.referee, withheld.reason) == (
            "ref@gmail.com",
            referee.lower(),
            reason,
        )

    def test_the_daily_cap_and_repeated_networks_withhold(self, store, settings):
        settings.REFERRAL_DAILY_CAP = 3
        join_line(store, "ref@x.com", ip="198.51.100.1")
        code = store.get("ref@x.com").ref_code
        nets = ["203.0.113.1", "203.0.113.2", "203.0.113.3", "192.0.2.1", "2001:db8::1"]
        for i, ip in enumerate(nets):
            join_line(store, f"f{i}@y.org", ref=code, minutes=i + 1, ip=ip)
        # Two from 203.0.113.0/24 are credited, the third is withheld; then the cap of 3.
        assert store.get("ref@x.com").credits == 3
        assert sorted(w.reason for w in store.withheld()) == sorted(
            [referrals.REPEATED_NETWORK, referrals.DAILY_CAP]
        )

    def test_unknown_or_malformed_codes_are_ignored(self, store):
        for code in ["", "nope", "x" * 5000, "ABCDEFGH", "\x00" * 8]:
            assert store.referrer(code) is None
        join_line(store, "friend@y.org", ref="zzzzzzzz")
        assert store.place("friend@y.org") == 1


class TestInvitations:
    def test_an_invitation_is_queued_and_redeemed_once(self, store):
        join_line(store, "a@x.com")
        invited = store.invite("a@x.com", at=T0 + timedelta(days=1))
        assert (invited.status, invited.invited_at) == ("invited", T0 + timedelta(days=1))
        assert {"invite", "owner:invited"} <= next(iter(store.outbox())).mail
        assert store.join("a@x.com", at=T0 + timedelta(days=2)) is True
        assert store.join("a@x.com", at=T0 + timedelta(days=3)) is False
        assert store.get("a@x.com").status == "joined"

    def test_a_revoked_invitation_cannot_be_redeemed(self, store):
        join_line(store, "a@x.com")
        store.invite("a@x.com", at=T0)
        assert store.revoke_invite("a@x.com") is True
        assert store.revoke_invite("a@x.com") is False
        assert store.join("a@x.com", at=T0) is False

    def test_only_waiting_leads_are_invited(self, store):
        store.add(lead("pending@x.com"))
        assert store.invite("pending@x.com", at=T0).status == "pending"
        assert store.invite("nobody@x.com", at=T0) is None
        assert store.join("pending@x.com", at=T0) is False

    def test_counts_follow_invitations_and_joins(self, store):
        join_line(store, "a@x.com")
        join_line(store, "b@x.com", minutes=1)
        store.invite("a@x.com", at=T0)
        store.join("a@x.com", at=T0)
        store.invite("b@x.com", at=T0)
        (count,) = store.domain_counts()
        assert (count.total, count.confirmed, count.invited, count.joined) == (2, 0, 1, 1)


class TestReferralOnAKnownAddress:
    def test_submitting_a_known_address_with_a_code_attaches_no_code(self, store):
        join_line(store, "ref@x.com", ip="198.51.100.1")
        code = store.get("ref@x.com").ref_code
        store.add(lead("pending@y.org"))
        assert store.add(replace(lead("pending@y.org", minutes=1), referred_by=code)) is False
        assert store.get("pending@y.org").referred_by == ""
        join_line(store, "pending@y.org", ip="203.0.113.9")  # confirms: nobody is credited
        assert store.get("ref@x.com").credits == 0
        assert store.withheld() == []


def scramble_tree(store) -> None:
    """Wrong counts in every node of the line's tree, and a node that no lead backs."""
    if store.__class__.__name__ == "SqlLeadStore":
        from leads.models import LineNode

        LineNode.objects.update(n=7)
        LineNode.objects.create(node="n0", digit=3, n=5)
        return
    client, table = store.client, store.tables.counters
    nodes = client.query_items(
        TableName=table,
        KeyConditionExpression="#kind = :kind",
        ExpressionAttributeNames={"#kind": "kind"},
        ExpressionAttributeValues={":kind": {"S": "line"}},
    )
    for key in [{"kind": {"S": "line"}, "key": {"S": "n0"}}] + [
        {"kind": n["kind"], "key": n["key"]} for n in nodes
    ]:
        client.call(
            "update_item",
            TableName=table,
            Key=key,
            UpdateExpression="SET d0 = :n, d3 = :n, d8 = :n",
            ExpressionAttributeValues={":n": {"N": "7"}},
        )


class TestRecount:
    def test_a_recount_rebuilds_the_lines_tree(self, store):
        for i in range(5):
            join_line(store, f"u{i}@x.com", minutes=i)
        store.delete("u1@x.com")
        store.settle()
        emails = [f"u{i}@x.com" for i in range(5)]
        assert places(store, emails) == [1, None, 2, 3, 4]
        scramble_tree(store)
        assert places(store, emails) != [1, None, 2, 3, 4]
        store.rebuild_counts()
        assert places(store, emails) == [1, None, 2, 3, 4]
        store.rebuild_counts()  # again: nothing to change
        assert places(store, emails) == [1, None, 2, 3, 4]
