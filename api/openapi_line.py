"""The OpenAPI description of the line's endpoints: the line's page, inviting the next N, and
redeeming a code (api/openapi.py puts them in the document)."""

from __future__ import annotations

from typing import Any

from api.forms import MAX_BODY, MAX_INVITES
from leads.store import MAX_PAGE_SIZE

_DATE_TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}


def json_content(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], *, required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


def _post(
    summary: str, about: str, body: str, answers: dict[str, Any], gate: dict[str, Any]
) -> dict[str, Any]:
    bad = json_content(
        f"The body is not a JSON object of the fields above (or is over {MAX_BODY} bytes), "
        "or a field is not valid; nothing changed.",
        _ref("ValidationErrors"),
    )
    return {
        "post": {
            "summary": summary,
            "description": about,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref(body)}},
            },
            "responses": {**answers, "400": bad, **gate},
        }
    }


def paths(gate: dict[str, Any]) -> dict[str, Any]:
    """The POST endpoints; `gate` is the answers every endpoint may give (401, 403, 503)."""
    gone = "This invitation expired (see INVITE_DAYS) or staff revoked it; nothing changed."
    return {
        "/api/invites": _post(
            "Invite the next N waiting leads",
            "As the staff page's Invite the next: the first `next` waiting leads in line "
            "order (of `domain`, and with `preview`, only those whose answer it is) become "
            "invited, and each is sent the invitation mail with its code. Leads who stopped "
            "all mail keep their place but are passed over.",
            "InviteRequest",
            {"201": json_content("Who was invited, in line order; maybe nobody.", _ref("Invited"))},
            gate,
        ),
        "/api/invites/redeem": _post(
            "Redeem an invitation code",
            "For the product being waited for: check the code a person typed with their "
            "address (normalised as the signup form does, so Ann@Example.com finds "
            "ann@example.com). The first good redemption makes the lead joined.",
            "RedeemRequest",
            {
                "200": json_content("The code was good: the lead has joined.", _ref("Joined")),
                "404": json_content("No invitation has this code and this email.", _ref("Error")),
                "409": json_content("This code was redeemed already.", _ref("Error")),
                "410": json_content(gone, _ref("Error")),
            },
            gate,
        ),
    }


def schemas() -> dict[str, Any]:
    place = _object(
        {
            "position": {"type": "integer", "minimum": 1, "description": "Its place; 1 is next."},
            "email": {"type": "string", "description": "Lower-cased; the domain in ASCII."},
            "name": {"type": "string", "maxLength": 100},
            "domain": {"type": "string", "description": "The email's domain, in ASCII."},
            "preview": {"type": "boolean", "description": "Asked for preview access."},
            "referrals": {"type": "integer", "minimum": 0, "description": "Credited referrals."},
            "confirmed_at": _DATE_TIME_OR_NULL | {"description": "UTC."},
        }
    )
    return {
        "LinePlace": place,
        "LinePage": _object(
            {
                "items": {
                    "type": "array",
                    "items": _ref("LinePlace"),
                    "maxItems": MAX_PAGE_SIZE,
                    "description": "In line order; a page may hold fewer than `limit` and "
                    "still have a `next`.",
                },
                "next": {
                    "type": ["string", "null"],
                    "description": "Cursor of the following page; null on the last.",
                },
            }
        ),
        "InviteRequest": _object(
            {
                "next": {"type": "integer", "minimum": 1, "maximum": MAX_INVITES},
                "domain": {
                    "type": ["string", "null"],
                    "maxLength": 253,
                    "description": "Only leads whose email domain is exactly this one (an IDN "
                    "by its ASCII form); null or left out for any.",
                },
                "preview": {
                    "type": ["boolean", "null"],
                    "description": "true: only leads who asked for preview access; false: only "
                    "those who did not; null or left out for either.",
                },
            },
            required=["next"],
        ),
        "Invited": _object(
            {
                "invited": {
                    "type": "array",
                    "items": {"type": "string"},
                    "maxItems": MAX_INVITES,
                    "description": "The emails of the leads invited, in line order.",
                }
            }
        ),
        "RedeemRequest": _object(
            {
                "code": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 64,
                    "description": "As in the invitation mail, XXXX-XXXX-XXXX; case, spaces "
                    "and dashes do not matter.",
                },
                "email": {"type": "string", "format": "email", "maxLength": 254},
            }
        ),
        "Joined": _object({"status": {"type": "string", "const": "joined"}}),
    }
