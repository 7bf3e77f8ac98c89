"""leads.links: the signed links of our mails, read back against the store."""

from __future__ import annotations

import pytest

from leads import links
from leads.tests.factories import lead


class TestLeadFor:
    def test_it_finds_the_lead_of_a_token(self, store):
        store.add(lead("ann@x.com"))
        token = links.token(lead("ann@x.com"), links.MANAGE)
        assert links.lead_for(token, links.MANAGE, store).email == "ann@x.com"

    def test_it_refuses_a_token_of_another_purpose(self, store):
        store.add(lead("ann@x.com"))
        token = links.token(lead("ann@x.com"), links.UNSUBSCRIBE)
        with pytest.raises(links.BadLink):
            links.lead_for(token, links.MANAGE, store)

    def test_an_expired_token_names_its_address(self, store, settings):
        store.add(lead("ann@x.com"))
        token = links.token(lead("ann@x.com"), links.CONFIRM)
        settings.CONFIRM_LINK_DAYS = -1
        with pytest.raises(links.ExpiredLink) as raised:
            links.lead_for(token, links.CONFIRM, store)
        assert raised.value.email == "ann@x.com"

    def test_an_expired_token_of_an_erased_lead_is_a_bad_link(self, store, settings):
        store.add(lead("ann@x.com"))
        token = links.token(lead("ann@x.com"), links.CONFIRM)
        store.delete("ann@x.com")
        settings.CONFIRM_LINK_DAYS = -1
        with pytest.raises(links.BadLink) as raised:
            links.lead_for(token, links.CONFIRM, store)
        assert not isinstance(raised.value, links.ExpiredLink)

    def test_an_old_token_does_not_reach_a_new_signup_of_the_same_address(self, store, settings):
        token = links.token(lead("ann@x.com"), links.CONFIRM)
        store.add(lead("ann@x.com", minutes=5))
        with pytest.raises(links.BadLink):
            links.lead_for(token, links.CONFIRM, store)
        settings.CONFIRM_LINK_DAYS = -1
        with pytest.raises(links.BadLink) as raised:
            links.lead_for(token, links.CONFIRM, store)
        assert not isinstance(raised.value, links.ExpiredLink)
