"""Forms validate and normalise; they never store or send anything."""

from __future__ import annotations

import unicodedata

import idna
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email


def reject_control_characters(value: str) -> None:
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise ValidationError("Control characters are not allowed.", code="control")


def normalise_email(value: str) -> str:
    """Lower-case the address and turn an internationalised domain into its ASCII form."""
    local, _, domain = value.rpartition("@")
    try:
        ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError:
        raise ValidationError("Enter a valid email address.", code="invalid") from None
    return f"{local}@{ascii_domain}".lower()


class SignupForm(forms.Form):
    name = forms.CharField(max_length=100, validators=[reject_control_characters])
    email = forms.CharField(max_length=254, validators=[reject_control_characters])
    previewAccess = forms.ChoiceField(choices=[("Yes", "Yes"), ("No", "No")])
    # A honeypot: hidden from people, filled in by bots that fill in everything.
    website = forms.CharField(required=False)

    def clean_email(self) -> str:
        value = self.cleaned_data["email"]
        if "@" not in value:
            raise ValidationError("Enter a valid email address.", code="invalid")
        email = normalise_email(value)
        validate_email(email)
        if len(email) > 254:
            raise ValidationError("The email address is too long.", code="max_length")
        return email

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))

    @property
    def wants_preview(self) -> bool:
        return self.cleaned_data["previewAccess"] == "Yes"


class LeadFilterForm(forms.Form):
    """The filters of the staff lists and exports: /search, /api/leads, the CSV."""

    domain = forms.CharField(required=False, max_length=253)
    preview = forms.ChoiceField(required=False, choices=[("", "Any"), ("Yes", "Yes"), ("No", "No")])
    cursor = forms.CharField(required=False, max_length=2000)
    limit = forms.IntegerField(required=False, min_value=1, max_value=200)

    def clean_domain(self) -> str | None:
        domain = self.cleaned_data["domain"].strip().lstrip("@")
        if not domain:
            return None
        try:
            return idna.encode(domain, uts46=True).decode("ascii").lower()
        except idna.IDNAError:
            raise ValidationError("Enter a domain such as example.com.", code="invalid") from None

    def clean_preview(self) -> bool | None:
        return {"Yes": True, "No": False}.get(self.cleaned_data["preview"])

    def clean_cursor(self) -> str | None:
        return self.cleaned_data["cursor"] or None


class CountsSortForm(forms.Form):
    """The order of the per-domain counts on /search: a column, '-' in front for descending."""

    SORTS = ["domain", "-domain", "total", "-total", "preview_yes", "-preview_yes"]

    sort = forms.ChoiceField(required=False, choices=[(s, s) for s in SORTS])

    def clean_sort(self) -> str:
        return self.cleaned_data["sort"] or "-total"


class LeadEmailForm(forms.Form):
    """The lead to erase, by its address normalised exactly as the signup form stores it."""

    email = forms.CharField(max_length=254, validators=[reject_control_characters])

    def clean_email(self) -> str:
        value = self.cleaned_data["email"].strip()
        if "@" not in value:
            raise ValidationError("Enter a valid email address.", code="invalid")
        return normalise_email(value)


class IssueTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. 'CRM sync'.")


class RevokeTokenForm(forms.Form):
    revoke = forms.IntegerField(min_value=1)
