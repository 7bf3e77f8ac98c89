"""Forms of the staff pages: they validate and normalise only."""

from __future__ import annotations

from django import forms

from api.forms import MAX_INVITES
from leads.forms import LeadFilterForm, PageSize
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


class LineForm(forms.Form):
    """A page of the line (the staff page and GET /api/line): its cursor and size."""

    cursor = forms.CharField(required=False, max_length=2000)
    limit = PageSize()

    def clean_cursor(self) -> str | None:
        return self.cleaned_data["cursor"] or None


class InviteNextForm(forms.Form):
    """Invite the next N of the line, optionally only of a domain or who asked for preview."""

    count = forms.IntegerField(
        label="How many",
        min_value=1,
        max_value=MAX_INVITES,
        error_messages=dict.fromkeys(
            ["min_value", "max_value"], f"Invite from 1 to {MAX_INVITES} at a time."
        ),
    )
    domain = forms.CharField(label="Only at the domain", required=False, max_length=253)
    preview = forms.BooleanField(label="Only those who asked for preview access", required=False)

    # The lists' domain filter, normalised the same way (IDNA, lower case, no "@").
    clean_domain = LeadFilterForm.clean_domain

    def clean_preview(self) -> bool | None:
        return True if self.cleaned_data["preview"] else None  # unticked: either answer
