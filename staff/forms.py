"""Forms of the staff pages: they validate and normalise only."""

from __future__ import annotations

from django import forms

from staff.dashboard import COUNT_COLUMNS, DEFAULT_RANGE, RANGES


class DashboardForm(forms.Form):
    """The dashboard's options: the order of the per-domain counts (a column, '-' in front for
    descending) and the range of days its charts show."""

    SORTS = [order for column, _ in COUNT_COLUMNS for order in (column, "-" + column)]

    sort = forms.ChoiceField(required=False, choices=[(s, s) for s in SORTS])
    range = forms.ChoiceField(required=False, choices=[(r, r) for r in RANGES])

    def clean_sort(self) -> str:
        return self.cleaned_data["sort"] or "-total"

    def clean_range(self) -> str:
        return self.cleaned_data["range"] or DEFAULT_RANGE


class IssueTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. 'CRM sync'.")


class RevokeTokenForm(forms.Form):
    revoke = forms.IntegerField(min_value=1)
