"""What every audience validates alike: addresses normalised as stored, and the list filters.

Forms validate and normalise; they never store or send anything."""

from __future__ import annotations

from typing import Any

import idna
from django import forms
from django.core.exceptions import ValidationError

from leads.store import MAX_PAGE_SIZE, PREVIEW_WORDS, preview_answer
from leads.text import has_untyped


def reject_control_characters(value: str) -> None:
    """Control characters, line separators and bidirectional controls (see leads/text.py)."""
    if has_untyped(value):
        raise ValidationError("Control characters are not allowed.", code="control")


def normalise_email(value: str) -> str:
    """Lower-case the address and turn an internationalised domain into its ASCII form."""
    local, _, domain = value.rpartition("@")
    try:
        ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError:
        raise ValidationError("Enter a valid email address.", code="invalid") from None
    return f"{local}@{ascii_domain}".lower()


class PageSize(forms.IntegerField):
    """A page's size: absent, the default; given, a whole number 1..MAX_PAGE_SIZE (`limit=`
    with nothing after it is a mistake to answer with 400, not the default in disguise)."""

    def __init__(self) -> None:
        super().__init__(required=False, min_value=1, max_value=MAX_PAGE_SIZE)

    def clean(self, value: Any) -> int | None:
        if value == "":
            raise ValidationError("Enter a whole number.", code="invalid")
        return super().clean(value)


class LeadFilterForm(forms.Form):
    """The filters of the staff lists and exports: /search, /api/leads, the CSV."""

    domain = forms.CharField(required=False, max_length=253)
    preview = forms.ChoiceField(
        required=False, choices=[("", "Any"), *[(w, w) for w in PREVIEW_WORDS]]
    )
    cursor = forms.CharField(required=False, max_length=2000)
    limit = PageSize()

    def clean_domain(self) -> str | None:
        domain = self.cleaned_data["domain"].strip().lstrip("@")
        if not domain:
            return None
        try:
            return idna.encode(domain, uts46=True).decode("ascii").lower()
        except idna.IDNAError:
            raise ValidationError("Enter a domain such as example.com.", code="invalid") from None

    def clean_preview(self) -> bool | None:
        return preview_answer(self.cleaned_data["preview"])

    def clean_cursor(self) -> str | None:
        return self.cleaned_data["cursor"] or None


class LeadEmailForm(forms.Form):
    """The lead to erase, by its address normalised exactly as the signup form stores it."""

    email = forms.CharField(max_length=254, validators=[reject_control_characters])

    def clean_email(self) -> str:
        value = self.cleaned_data["email"].strip()
        if "@" not in value:
            raise ValidationError("Enter a valid email address.", code="invalid")
        return normalise_email(value)
