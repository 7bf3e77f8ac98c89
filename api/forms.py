"""Forms over the API's JSON bodies: they validate and normalise only.

A JSON body says what type each value is, so these fields take only their own JSON type ("5" is
not a number, 1 is not true) and the form refuses keys it does not know: a typo such as
{"count": 5} is a 400, not a request that silently means something else. An optional field may
be null, which means the same as leaving it out.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.forms.utils import ErrorDict
from django.http import HttpRequest
from django.http.request import RawPostDataException

from leads.forms import LeadFilterForm, normalise_email, reject_control_characters

# Far above any good body (a code and an address): a larger one is refused before parsing.
MAX_BODY = 4096
# The most leads one request invites (the staff page's form too): a batch an owner can follow.
MAX_INVITES = 1000


class JsonInteger(forms.IntegerField):
    def to_python(self, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError("Enter a whole number.", code="invalid")
        return value


class JsonString(forms.CharField):
    def to_python(self, value: Any) -> str | None:
        if value is not None and not isinstance(value, str):
            raise ValidationError("Enter a string.", code="invalid")
        return super().to_python(value)


class JsonBoolean(forms.Field):
    def to_python(self, value: Any) -> bool | None:
        if value is not None and not isinstance(value, bool):
            raise ValidationError("Enter true or false.", code="invalid")
        return value


class JsonForm(forms.Form):
    """A form over a request's JSON object."""

    def __init__(self, request: HttpRequest) -> None:
        self.problem = ""
        body = self._read(request)
        if not isinstance(body, dict):
            body = {}
            self.problem = self.problem or "The body must be a JSON object."
        elif set(body) - set(self.base_fields):
            self.problem = f"Unknown field; the fields are {', '.join(self.base_fields)}."
        super().__init__(body)

    def _read(self, request: HttpRequest) -> object:
        """The parsed body, or None; a body that says it is too large is not read at all."""
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if not declared.isdigit() or int(declared) > MAX_BODY:
            self.problem = f"The body is over {MAX_BODY} bytes."
            return None
        try:
            return json.loads(request.body)
        # Not JSON, not UTF-8, nested too deep, or a multipart form the CSRF check parsed.
        except (ValueError, RecursionError, RawPostDataException):
            return None

    def full_clean(self) -> None:
        if not self.problem:
            return super().full_clean()
        # A body that is not the object asked for says so alone, not once per missing field.
        self._errors, self.cleaned_data = ErrorDict(), {}
        self.add_error(None, ValidationError(self.problem, code="body"))


class InviteNextRequest(JsonForm):
    """POST /api/invites: the next N waiting leads, optionally of a domain or preview answer."""

    next = JsonInteger(min_value=1, max_value=MAX_INVITES)
    domain = JsonString(required=False, max_length=253)
    preview = JsonBoolean(required=False)

    # The staff lists' domain filter, normalised the same way (IDNA, lower case, no "@").
    clean_domain = LeadFilterForm.clean_domain


class RedeemRequest(JsonForm):
    """POST /api/invites/redeem: the code as the person typed it, and their address."""

    code = JsonString(max_length=64, validators=[reject_control_characters])
    email = JsonString(max_length=254, validators=[reject_control_characters])

    def clean_email(self) -> str:
        """Normalised as the signup form stores it, so that Ann@X.com finds ann@x.com."""
        value = self.cleaned_data["email"]
        if "@" not in value:
            raise ValidationError("Enter a valid email address.", code="invalid")
        email = normalise_email(value)
        validate_email(email)
        return email
