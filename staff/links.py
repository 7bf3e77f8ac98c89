"""The links of the staff lists: query strings, pages back and forth, sortable columns."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from leads.store import preview_word

# Previous links walk back through the cursors of earlier pages, carried in the query string
# (`back`). Past this depth the oldest are dropped and "First page" is the way back.
MAX_BACK = 20


def query_string(filters: dict, **extra: object) -> str:
    """The filters of a lead list (and `extra` parameters) as a URL's query string."""
    params: list[tuple[str, object]] = []
    if filters["domain"]:
        params.append(("domain", filters["domain"]))
    if filters["preview"] is not None:
        params.append(("preview", preview_word(filters["preview"])))
    if filters["limit"]:
        params.append(("limit", filters["limit"]))
    for key, value in extra.items():
        values = value if isinstance(value, list) else [value]
        params += [(key, v) for v in values if v is not None]
    return urlencode(params)


def page_links(filters: dict, back: list[str], next_cursor: str | None) -> dict[str, str | None]:
    """Links to the next, previous and first pages of the same search.

    `back` holds the cursors of the pages before this one, oldest first ("" is the first page).
    """
    search = reverse("search")
    here = filters["cursor"] or ""
    links: dict[str, str | None] = {"next_url": None, "previous_url": None, "first_url": None}
    if next_cursor:
        stack = [*back, here][-MAX_BACK:]
        links["next_url"] = f"{search}?{query_string(filters, cursor=next_cursor, back=stack)}"
    if back:
        previous = back[-1] or None
        links["previous_url"] = f"{search}?{query_string(filters, cursor=previous, back=back[:-1])}"
    if here:
        links["first_url"] = f"{search}?{query_string(filters)}"
    return links


def sort_columns(sort: str) -> list[dict]:
    """Column headers of the counts table: each links to its own order, flipped when current."""
    search = reverse("search")
    columns = []
    for key, label in [("domain", "Domain"), ("total", "Leads"), ("preview_yes", "Preview: yes")]:
        current = sort.lstrip("-") == key
        descending = sort.startswith("-")
        if current:
            target = key if descending else "-" + key
        else:
            target = key if key == "domain" else "-" + key  # numbers read best largest first
        aria = ("descending" if descending else "ascending") if current else None
        url = f"{search}?{urlencode({'sort': target})}"
        columns.append({"key": key, "label": label, "url": url, "aria": aria})
    return columns


def safe_return(url: str | None) -> str:
    """Only a path on the search page itself: never a redirect to somewhere else."""
    search = reverse("search")
    if url and url.startswith(search) and "\\" not in url and url.isprintable():
        return url
    return search
