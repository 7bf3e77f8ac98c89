"""The visitors' forms: they validate and normalise, never store or send anything."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from leads import referrals
from leads.forms import normalise_email, reject_control_characters
from leads.store import PREVIEW_WORDS, preview_answer


class SignupForm(forms.Form):
    name = forms.CharField(max_length=100, validators=[reject_control_characters])
    email = forms.CharField(max_length=254, validators=[reject_control_characters])
    previewAccess = forms.ChoiceField(choices=[(w, w) for w in PREVIEW_WORDS])
    # A honeypot: hidden from people, filled in by bots that fill in everything.
    website = forms.CharField(required=False)
    # The referral code of the /?ref= link the visitor came by. A plain Field, not a CharField
    # (whose length and null-character checks would refuse the form): a bad code is ignored.
    ref = forms.Field(required=False)

    def clean_email(self) -> str:
        value = self.cleaned_data["email"]
        if "@" not in value:
            raise ValidationError("Enter a valid email address.", code="invalid")
        email = normalise_email(value)
        validate_email(email)
        if len(email) > 254:
            raise ValidationError("The email address is too long.", code="max_length")
        return email

    def clean_ref(self) -> str:
        return referrals.clean_code(self.cleaned_data.get("ref"))

    @property
    def ref_code(self) -> str:
        """The code for the form's hidden field, bound or not: only a valid one is echoed."""
        return referrals.clean_code(self["ref"].value())

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))

    @property
    def wants_preview(self) -> bool:
        return preview_answer(self.cleaned_data["previewAccess"]) is True


class PreviewForm(forms.Form):
    """The manage page's "early access to the preview?" answer."""

    previewAccess = forms.ChoiceField(choices=[(w, w) for w in PREVIEW_WORDS])

    @property
    def wants_preview(self) -> bool:
        return preview_answer(self.cleaned_data["previewAccess"]) is True
