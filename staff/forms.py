"""Forms of the staff pages: they validate and normalise only."""

from __future__ import annotations

from django import forms


class CountsSortForm(forms.Form):
    """The order of the per-domain counts on /search: a column, '-' in front for descending."""

    SORTS = ["domain", "-domain", "total", "-total", "preview_yes", "-preview_yes"]

    sort = forms.ChoiceField(required=False, choices=[(s, s) for s in SORTS])

    def clean_sort(self) -> str:
        return self.cleaned_data["sort"] or "-total"


class IssueTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. 'CRM sync'.")


class RevokeTokenForm(forms.Form):
    revoke = forms.IntegerField(min_value=1)
