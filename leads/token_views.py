"""/search/tokens: staff issue and revoke their own API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from leads import tokens
from leads.decorators import staff_required
from leads.forms import IssueTokenForm, RevokeTokenForm


@require_http_methods(["GET", "POST"])
@staff_required
def tokens_page(request: HttpRequest) -> HttpResponse:
    form = IssueTokenForm()
    status, new_token = 200, None
    if "revoke" in request.POST:
        revoke = RevokeTokenForm(request.POST)
        if revoke.is_valid() and tokens.revoke(request.user, revoke.cleaned_data["revoke"]):
            messages.success(request, "The token was revoked; scripts using it now get 401.")
        return redirect("/search/tokens")
    if request.method == "POST":
        form = IssueTokenForm(request.POST)
        if form.is_valid():
            try:
                new_token = tokens.issue(request.user, form.cleaned_data["name"])
                form = IssueTokenForm()
            except tokens.TooManyTokens:
                form.add_error(None, f"At most {tokens.MAX_PER_USER} tokens; revoke one first.")
        if form.errors:
            status = 400
    context = {"form": form, "new_token": new_token, "tokens": tokens.tokens_of(request.user)}
    return render(request, "leads/tokens.html", context, status=status)
