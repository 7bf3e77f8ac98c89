"""/api/openapi.json, and the whole API checked against it by schemathesis.

The API runs in-process through the project's real WSGI application; schemathesis generates
valid and invalid requests from the document and checks status codes, content types, response
schemas, 405 for undocumented methods and that each endpoint refuses a request without its
credentials: a staff member's API token, as scripts send it (so that the POSTs, which a session
could make only with a CSRF token, are exercised too).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api import openapi, tokens
from api.tests.builders import line_up, one_of_each, refer, stored_legacy
from leads.store import COUNTED_STATUSES, STATUSES
from leads.tests.factories import T0, lead, sign_in


@pytest.fixture
def wsgi_app():
    """The WSGI app inside the test's transaction: like Django's test client, the request
    signals must not close the test's database connection between requests."""
    from django.core.wsgi import get_wsgi_application  # built here, after static is collected

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def staff_token(client, store) -> Iterator[str]:
    line_up(store, *[f"line{i}@x.com" for i in range(4)], preview=("line1@x.com",))
    refer(store, "line3@x.com", "friend@y.org", ip="203.0.113.5")
    store.invite("line0@x.com", at=T0)
    store.invite("line1@x.com", at=T0)
    store.join("line1@x.com", at=T0)
    store.settle()
    for i, domain in enumerate(["x.com", "y.org", "xn--bcher-kva.example"]):
        store.add(lead(f"ann{i}@{domain}", preview=bool(i % 2), minutes=i * 60 * 24))
        store.add(lead(f"bob{i}@{domain}", name="<b>Bob</b>", minutes=i))
    one_of_each(store)  # so that the answers hold every status the port makes, and times
    stored_legacy(store, "old@y.org")
    sign_in(client)
    TOKEN["value"] = tokens.issue(User.objects.get(username="staff"), "schemathesis")
    yield TOKEN["value"]
    TOKEN.clear()


# Built from the document itself (served as-is, as checked below). schemathesis's lazy
# `from_fixture` loader does not run under this pytest, and werkzeug's client would drop a
# hand-written Cookie header when fetching the document through the app.
schema = schemathesis.openapi.from_dict(openapi.document())
TOKEN: dict[str, str] = {}  # the API token of the running test's staff member


@schema.auth(refresh_interval=None)
class StaffToken:
    """Tells schemathesis how this API authenticates, so that it also probes each endpoint
    without the token and with a made-up one (its `ignored_auth` check)."""

    def get(self, case, context) -> str | None:
        return TOKEN.get("value")  # None while collecting, before any test signs in

    def set(self, case, data: str, context) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_it_keeps_to_its_openapi_document(case, wsgi_app, staff_token):
    # Every other check runs. "Schema-valid data accepted" cannot hold for this API: a cursor
    # is valid only if the store handed it out, and a domain only if IDNA can encode it, and
    # neither can be written as a JSON Schema; their 400s are documented.
    # The app exists only inside the test's database transaction, so it is attached here; the
    # probes without a session go through the schema's own transport.
    case.operation.schema.app = case.operation.app = wsgi_app
    case.call_and_validate(
        # werkzeug's test client, unlike real HTTP clients, does not undo GZipMiddleware.
        headers={"Accept-Encoding": "identity"},
        excluded_checks=[positive_data_acceptance],
    )


class TestOpenApiDocument:
    def test_it_is_a_valid_openapi_document(self):
        validate(openapi.document())

    def test_it_is_served_to_staff(self, client, store):
        response = sign_in(client).get("/api/openapi.json")
        assert response.status_code == 200
        assert response.json() == openapi.document()

    def test_it_describes_every_api_path(self):
        from django.urls import URLResolver, get_resolver

        (api,) = [
            p
            for p in get_resolver().url_patterns
            if isinstance(p, URLResolver) and str(p.pattern) == "api/"
        ]
        api_routes = {"/api/" + str(p.pattern) for p in api.url_patterns}
        assert api_routes == set(openapi.document()["paths"])

    def test_a_lead_has_a_status_and_a_confirmation_time(self):
        lead_schema = openapi.document()["components"]["schemas"]["Lead"]
        assert lead_schema["properties"]["status"]["enum"] == list(STATUSES)
        assert lead_schema["properties"]["confirmed_at"]["type"] == ["string", "null"]
        assert {"status", "confirmed_at"} <= set(lead_schema["required"])

    @pytest.mark.parametrize("name", ["DomainCount", "DayCount"])
    def test_a_count_has_every_status_figure_and_says_how_to_find_legacy_leads(self, name):
        count = openapi.document()["components"]["schemas"][name]
        assert set(COUNTED_STATUSES) <= set(count["required"]) <= set(count["properties"])
        assert (
            "legacy leads (stored before confirmation existed) are `total` minus"
            in (count["description"])
        )

    def test_a_lead_has_its_position_and_referrals_and_every_status_is_described(self):
        lead_schema = openapi.document()["components"]["schemas"]["Lead"]
        assert lead_schema["properties"]["position"]["type"] == ["integer", "null"]
        assert lead_schema["properties"]["referrals"]["type"] == "integer"
        assert {"position", "referrals"} <= set(lead_schema["required"])
        described = lead_schema["properties"]["status"]["description"]
        assert all(f"{status}:" in described or status == "confirmed" for status in STATUSES)

    def test_the_leads_page_says_what_its_positions_cost(self):
        about = openapi.document()["paths"]["/api/leads"]["get"]["description"]
        assert "16 tree nodes" in about and "200" in about

    @pytest.mark.parametrize(
        ("path", "answers"),
        [
            ("/api/invites", {"201", "400", "401", "403", "503"}),
            ("/api/invites/redeem", {"200", "400", "401", "403", "404", "409", "410", "503"}),
        ],
    )
    def test_the_invitation_endpoints_are_posts_with_every_answer(self, path, answers):
        operation = openapi.document()["paths"][path]["post"]
        assert set(operation["responses"]) == answers
        assert operation["requestBody"]["required"] is True
