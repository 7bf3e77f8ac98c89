"""Fixtures of the core's tests (the real services they use are in the root conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from leads import notify
from leads.tests.sns_inbox import Inbox


@pytest.fixture
def inbox(moto, settings) -> Iterator[Inbox]:
    """The owner's SNS topic on moto's server, with a queue that receives what it publishes."""
    box = Inbox(moto.url)
    settings.NEW_SIGNUP_TOPIC = box.topic
    notify._sns.cache_clear()
    yield box
    notify._sns.cache_clear()
