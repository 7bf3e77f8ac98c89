"""The OpenAPI 3.1 description of the staff JSON API, served at /api/openapi.json.

`api/tests/test_openapi.py` runs schemathesis against the live views with this document,
so a view that drifts from it fails the suite. The line and invitations are in
api/openapi_line.py.
"""

from __future__ import annotations

from typing import Any

from api import openapi_line
from api.openapi_line import json_content as _json
from leads.store import COUNTED_STATUSES, MAX_PAGE_SIZE, PREVIEW_WORDS, STATUSES

_ERROR = {
    "type": "object",
    "properties": {"error": {"type": "string"}},
    "required": ["error"],
}

_VALIDATION_ERRORS = {
    "type": "object",
    "description": "One list of messages per field that was not valid.",
    "properties": {
        "errors": {
            "type": "object",
            "additionalProperties": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"message": {"type": "string"}, "code": {"type": "string"}},
                    "required": ["message"],
                },
            },
        }
    },
    "required": ["errors"],
}

_LEAD = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 100},
        "email": {"type": "string", "description": "Lower-cased; the domain in its ASCII form."},
        "preview": {"type": "boolean", "description": "Asked for preview access."},
        "created_at": {"type": "string", "format": "date-time", "description": "UTC."},
        "status": {
            "type": "string",
            "enum": list(STATUSES),
            "description": (
                "legacy: stored before confirmation existed (never mailed); pending: has not "
                "confirmed yet; confirmed; unsubscribed: a pending or confirmed lead who stopped "
                "all mail (it keeps its place); invited: let in, with a code to redeem (out of "
                "the line); joined: redeemed the code."
            ),
        },
        "confirmed_at": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "UTC; null if the lead never confirmed.",
        },
        "position": {
            "type": ["integer", "null"],
            "minimum": 1,
            "description": "Its place in the line while it waits (confirmed, not invited); "
            "else null.",
        },
        "referrals": {
            "type": "integer",
            "minimum": 0,
            "description": "Referrals credited to it (each moves it up the line).",
        },
    },
    "required": [
        *["name", "email", "preview", "created_at", "status", "confirmed_at"],
        *["position", "referrals"],
    ],
    "additionalProperties": False,
}

# The counters keep no figure of legacy leads (see the note): a script works them out.
_STATUS_FIGURES = {
    status: {"type": "integer", "minimum": 0, "description": f"Leads whose status is {status}."}
    for status in COUNTED_STATUSES
}
_LEGACY_NOTE = (
    " `total` counts every stored lead; legacy leads (stored before confirmation existed) "
    f"are `total` minus the status figures ({', '.join(COUNTED_STATUSES)})."
)


def _count(key: dict[str, Any], *, description: str, preview: bool) -> dict[str, Any]:
    """A count object: its key (domain or day), total, preview_yes where kept, the figures."""
    properties = {
        **key,
        "total": {
            "type": "integer",
            "minimum": 1,
            "description": "Every lead, whatever its status.",
        },
    }
    if preview:
        properties["preview_yes"] = {"type": "integer", "minimum": 0}
    properties |= _STATUS_FIGURES
    return {
        "type": "object",
        "description": description + _LEGACY_NOTE,
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def error(description: str) -> dict[str, Any]:
    return _json(description, {"$ref": "#/components/schemas/Error"})


def gate_responses(forbidden: str = "Signed in, but not as staff.") -> dict[str, Any]:
    """The answers every endpoint may give before it does anything."""
    return {
        "401": error("No session or token, or an unknown or revoked token."),
        "403": error(forbidden),
        "503": error("The leads store does not answer; try again (see Retry-After)."),
    }


def _get(
    summary: str, ok: dict, *, params: list | None = None, bad: bool = False, about: str = ""
) -> dict:
    responses = {"200": ok, **gate_responses()}
    if bad:
        responses["400"] = _json(
            "A parameter is not valid, or the cursor is unknown.",
            {"$ref": "#/components/schemas/ValidationErrors"},
        )
    operation = {"summary": summary, "parameters": params or [], "responses": responses}
    return {"get": operation | ({"description": about} if about else {})}


def _query_parameter(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}  # fmt: skip


def document() -> dict[str, Any]:
    cursor_and_limit = [
        _query_parameter(
            "cursor",
            "The `next` of the previous page; omit it for the first page.",
            {"type": "string", "maxLength": 2000},
        ),
        _query_parameter(
            "limit", "Leads per page.", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}
        ),
    ]
    lead_filters = [
        _query_parameter(
            "domain",
            "Only leads whose email domain is exactly this one (an IDN is matched by its ASCII "
            "form; x.com never matches notx.com).",
            {"type": "string", "maxLength": 253},
        ),
        _query_parameter(
            "preview",
            "Only leads that answered Yes, or No, to preview access; empty for either.",
            {"type": "string", "enum": ["", *PREVIEW_WORDS]},
        ),
        *cursor_and_limit,
    ]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Waitlist staff API",
            "version": "1.2.0",
            "description": (
                "JSON for staff and their scripts: the leads, their counts, the line and "
                "invitations. Every endpoint needs a signed-in staff session (sign in at "
                "/accounts/login/ and send the `sessionid` cookie) or a staff member's API "
                "token (issued at /search/tokens) as `Authorization: Bearer <token>`. Without "
                "either, or with an unknown or revoked token, the answer is 401; for a user who "
                "is not staff, 403. A POST made with a session also needs Django's CSRF token "
                "(the `csrftoken` cookie's value as the `X-CSRFToken` header), or it is a 403; "
                "one made with a token needs none."
            ),
        },
        "security": [{"session": []}, {"token": []}],
        "paths": {
            "/api/leads": _get(
                "Leads, newest first, one page at a time",
                _json("One page of leads.", {"$ref": "#/components/schemas/LeadPage"}),
                params=lead_filters,
                bad=True,
                about=(
                    "`position` is looked up for each waiting lead on the page (one read of the "
                    "line's 16 tree nodes each, whatever the line's length), so a page costs at "
                    f"most {MAX_PAGE_SIZE} such lookups; ask for a smaller `limit` to pay less."
                ),
            ),
            "/api/line": _get(
                "The waiting leads in line order, one page at a time",
                _json("One page of the line.", {"$ref": "#/components/schemas/LinePage"}),
                params=cursor_and_limit,
                bad=True,
            ),
            **openapi_line.paths(
                gate_responses(
                    "Signed in, but not as staff; or signed in by a session without the right "
                    "CSRF token."
                )
            ),
            "/api/domains": _get(
                "Leads per email domain with the preview split and the status figures, from "
                "the counters",
                _json(
                    "Every domain with at least one lead, sorted by domain.",
                    {"type": "array", "items": {"$ref": "#/components/schemas/DomainCount"}},
                ),
            ),
            "/api/daily": _get(
                "Signups per UTC day with the status figures, from the counters",
                _json(
                    "Every day with at least one signup, oldest first.",
                    {"type": "array", "items": {"$ref": "#/components/schemas/DayCount"}},
                ),
            ),
            "/api/openapi.json": _get(
                "This document", _json("The OpenAPI document.", {"type": "object"})
            ),
        },
        "components": {
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "sessionid",
                    "description": "Django's session cookie of a signed-in staff member.",
                },
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A staff member's API token, issued at /search/tokens.",
                },
            },
            "schemas": {
                "Lead": _LEAD,
                "LeadPage": {
                    "type": "object",
                    "properties": {
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Lead"}},
                        "next": {
                            "type": ["string", "null"],
                            "description": "Cursor of the following page; null on the last.",
                        },
                    },
                    "required": ["items", "next"],
                    "additionalProperties": False,
                },
                "DomainCount": _count(
                    {"domain": {"type": "string"}},
                    description="The leads of one email domain, from its counter.",
                    preview=True,
                ),
                "DayCount": _count(
                    {"day": {"type": "string", "format": "date"}},
                    description="The leads who signed up on one UTC day, from its counter.",
                    preview=False,
                ),
                **openapi_line.schemas(),
                "Error": _ERROR,
                "ValidationErrors": _VALIDATION_ERRORS,
            },
        },
    }
