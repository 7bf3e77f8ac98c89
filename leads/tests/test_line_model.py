"""The line as a model: hypothesis drives random signups (with referral codes), confirmations
from a pool of networks, unsubscriptions, answer changes, erasures, invitations, revocations,
redemptions and days passing against a real store, on each backend. After every step each lead
is as the model says, each waiting lead's place is its rank in a brute-force sort of the model's
line, the line pages in that order, the referrals credited and withheld are the ones the rules
(written out again here, by hand) decide, and the counters equal a recount of the model.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, event
from hypothesis import settings as run_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    MultipleResults,
    RuleBasedStateMachine,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from leads import referrals
from leads.store import Consent, Lead, LeadStore
from leads.tests.factories import T0
from leads.tests.line_model import (
    BOOST,
    CAP,
    DISPOSABLE,
    EMAILS,
    MAILBOX,
    NETWORKS,
    UNKNOWN_CODE,
    Modeled,
    Referral,
    dynamodb_store,
    sql_store,
)


class LineModel(RuleBasedStateMachine):
    # The backend's store for one example: set by each backend's subclass.
    make_store: Callable[[], AbstractContextManager[LeadStore]]

    def __init__(self) -> None:
        super().__init__()
        self.stack = ExitStack()
        self.store = self.stack.enter_context(self.make_store())
        self.now = T0
        self.leads: dict[str, Modeled] = {}
        self.seq = 0
        self.codes: list[str] = []  # every code handed out, live or not
        self.referrals: list[Referral] = []

    def teardown(self) -> None:
        self.stack.close()

    def tick(self) -> None:
        self.now += timedelta(seconds=1)

    # --- what people and staff do ---------------------------------------------------------------
    signed = Bundle("signed")
    # A referral code: none (-1), one of the first codes handed out (live or erased: the first
    # referrers gather enough referrals to meet the day's cap), or a code nobody has.
    refs = st.integers(-1, 3)

    def code(self, ref: int) -> str:
        return "" if ref < 0 else [*self.codes, UNKNOWN_CODE][ref % (len(self.codes) + 1)]

    @rule(target=signed, email=st.sampled_from(EMAILS), preview=st.booleans(), ref=refs)
    def sign_up(self, email: str, preview: bool, ref: int) -> str:
        self.tick()
        code = self.code(ref)
        new = Lead(name="N", email=email, preview=preview, created_at=self.now, referred_by=code)
        assert self.store.add(new) is (email not in self.leads)
        if email not in self.leads:
            self.leads[email] = Modeled(preview, self.now, code)
        return email

    joiner = st.tuples(st.sampled_from(EMAILS), refs, st.sampled_from(sorted(NETWORKS)))

    @rule(target=signed, joiners=st.lists(joiner, min_size=1, max_size=5))
    def sign_up_and_confirm(self, joiners: list[tuple[str, int, str]]) -> MultipleResults:
        """What most joiners do, a few of them in a row: sign up, open the mail, confirm."""
        for email, ref, ip in joiners:
            self.sign_up(email, False, ref)
            self.confirm(email, ip)
        return multiple(*(email for email, _, _ in joiners))

    @rule(email=signed, ip=st.sampled_from(sorted(NETWORKS)))
    def confirm(self, email: str, ip: str) -> None:
        self.tick()
        consent = Consent(text="I want in.", version="1", ip=ip, user_agent="model")
        found = self.store.confirm(email, consent=consent, at=self.now)
        modeled = self.leads.get(email)
        if modeled is None:
            assert found is None
            return
        assert found is not None
        if modeled.stage != "pending":
            assert found.status == modeled.status  # confirming again changes nothing
            return
        self.seq += 1
        modeled.stage, modeled.unsubscribed, modeled.seq = "confirmed", False, self.seq
        modeled.network = NETWORKS[ip]
        assert referrals.clean_code(found.ref_code) == found.ref_code
        assert found.ref_code not in self.codes
        modeled.code = found.ref_code
        self.codes.append(found.ref_code)
        self.refer(email, modeled)

    def refer(self, email: str, referee: Modeled) -> None:
        """The rules of a referral, in their order (leads/referrals.py says them once more)."""
        owners = [e for e, m in self.leads.items() if m.code and m.code == referee.referred_by]
        if not owners or owners[0] == email:
            return
        (owner,) = owners
        referrer = self.leads[owner]
        day = self.now.date().isoformat()
        credited = [r for r in self.referrals if (r.referrer, r.day, r.reason) == (owner, day, "")]
        if MAILBOX.get(owner, owner) == MAILBOX.get(email, email):
            reason = referrals.OWN_MAILBOX
        elif email in DISPOSABLE:
            reason = referrals.DISPOSABLE
        elif len(credited) >= CAP:
            reason = referrals.DAILY_CAP
        elif referee.network == referrer.network:
            reason = referrals.REFERRER_NETWORK
        elif sum(r.network == referee.network for r in credited) >= 2:
            reason = referrals.REPEATED_NETWORK
        else:
            reason = ""
            referrer.credits += 1
        self.referrals.append(Referral(owner, email, day, referee.network, reason))
        event(f"referral: {reason or 'credited'}")

    @rule(email=signed)
    def unsubscribe(self, email: str) -> None:
        self.tick()
        found = self.store.unsubscribe(email, at=self.now)
        assert (found is None) is (email not in self.leads)
        if email in self.leads:
            self.leads[email].unsubscribed = True

    @rule(email=signed, preview=st.booleans())
    def change_answer(self, email: str, preview: bool) -> None:
        found = self.store.set_preview(email, preview)
        assert (found is None) is (email not in self.leads)
        if email in self.leads:
            self.leads[email].preview = preview

    @rule(email=signed)
    def erase(self, email: str) -> None:
        assert self.store.delete(email) is (email in self.leads)
        self.leads.pop(email, None)
        kept = []
        for r in self.referrals:
            if r.referrer == email or (r.referee == email and r.reason):
                continue
            if r.referee == email:
                r.referee = ""
            kept.append(r)
        self.referrals = kept

    @rule(email=signed)
    def invite(self, email: str) -> None:
        self.tick()
        found = self.store.invite(email, at=self.now)
        modeled = self.leads.get(email)
        assert (found is None) is (modeled is None)
        if modeled is not None and modeled.waiting and not modeled.unsubscribed:
            modeled.stage, modeled.revoked = "invited", False

    @rule(email=signed)
    def revoke(self, email: str) -> None:
        modeled = self.leads.get(email)
        can = modeled is not None and modeled.stage == "invited" and not modeled.revoked
        assert self.store.revoke_invite(email) is can
        if can and modeled is not None:
            modeled.revoked = True

    @rule(email=signed)
    def redeem(self, email: str) -> None:
        self.tick()
        modeled = self.leads.get(email)
        can = modeled is not None and modeled.stage == "invited" and not modeled.revoked
        assert self.store.join(email, at=self.now) is can
        if can and modeled is not None:
            modeled.stage = "joined"

    @rule()
    def next_day(self) -> None:
        self.now += timedelta(days=1)

    # --- what must hold after each of them --------------------------------------------------------
    @invariant()
    def the_store_is_the_model(self) -> None:
        self.store.settle()  # DynamoDB: the counters and the line's tree follow the stream
        self.leads_are_as_modeled()
        self.places_are_a_brute_force_ranking()
        self.referrals_are_as_the_rules_decide()
        self.the_counters_are_a_recount()

    def leads_are_as_modeled(self) -> None:
        for email in EMAILS:
            found, modeled = self.store.get(email), self.leads.get(email)
            if modeled is None:
                assert found is None, email
                continue
            assert found is not None, email
            seen = (found.status, found.preview, found.seq, found.credits, found.ref_code)
            assert seen == (
                modeled.status,
                modeled.preview,
                modeled.seq,
                modeled.credits,
                modeled.code,
            ), email

    def places_are_a_brute_force_ranking(self) -> None:
        waiting = [(m.seq, m.credits, e) for e, m in self.leads.items() if m.waiting and m.seq]
        order = [
            e for seq, credits, e in sorted(waiting, key=lambda w: (w[0] - BOOST * w[1], w[0]))
        ]
        place = {email: n for n, email in enumerate(order, 1)}
        assert {e: self.store.place(e) for e in EMAILS} == {e: place.get(e) for e in EMAILS}
        paged, cursor = [], None
        while True:
            page = self.store.line(cursor=cursor, limit=3)
            paged += [(p.place, p.lead.email) for p in page.items]
            if page.next is None:
                break
            cursor = page.next
        assert paged == list(enumerate(order, 1))

    def referrals_are_as_the_rules_decide(self) -> None:
        withheld = sorted((r.referrer, r.referee, r.reason) for r in self.referrals if r.reason)
        found = sorted((w.referrer, w.referee, w.reason) for w in self.store.withheld())
        assert found == withheld
        top = sorted((-m.credits, e) for e, m in self.leads.items() if m.credits)
        assert [lead.email for lead in self.store.top_referrers()] == [e for _, e in top]

    def the_counters_are_a_recount(self) -> None:
        domains: Counter = Counter()
        days: Counter = Counter()
        for email, m in self.leads.items():
            domain, day = email.rpartition("@")[2], m.created_at.date()
            for figure in ("total", m.status):
                domains[domain, figure] += 1
                days[day, figure] += 1
            domains[domain, "preview_yes"] += m.preview
        figures = ("total", "pending", "confirmed", "unsubscribed", "invited", "joined")
        counted: Counter = Counter()
        for c in self.store.domain_counts():
            for figure in (*figures, "preview_yes"):
                counted[c.domain, figure] += getattr(c, figure)
        assert +counted == +domains
        counted = Counter()
        for d in self.store.daily_counts():
            for figure in figures:
                counted[d.day, figure] += getattr(d, figure)
        assert +counted == +days
        assert self.store.total() == len(self.leads)


# A DynamoDB example is a few hundred calls to moto's server: fewer of them.
RUNS = {
    "sql": run_settings(max_examples=40, stateful_step_count=30),
    "dynamodb": run_settings(max_examples=5, stateful_step_count=25),
}


@pytest.mark.parametrize("backend", [pytest.param("sql", marks=pytest.mark.postgres), "dynamodb"])
def test_the_line_behaves_as_its_model(backend, request, db, settings):
    if backend == "dynamodb":
        request.getfixturevalue("moto")
    settings.REFERRAL_BOOST, settings.REFERRAL_DAILY_CAP = BOOST, CAP

    class Machine(LineModel):
        make_store = staticmethod(sql_store if backend == "sql" else dynamodb_store)

    run = run_settings(
        RUNS[backend],
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    run_state_machine_as_test(Machine, settings=run)
