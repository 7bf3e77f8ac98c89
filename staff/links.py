"""The links of the staff lists: query strings, pages back and forth, sortable columns."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from leads.store import preview_word
from staff.dashboard import COUNT_COLUMNS, RANGE_LABELS

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


def page_links(
    filters: dict, back: list[str], next_cursor: str | None, *, at: int = 0, shown: int = 0
) -> dict[str, str | None]:
    """Links to the next, previous and first pages of the same search.

    `back` holds the pages before this one, oldest first, each written `position:cursor` (the
    first page is "0:"), so that a page knows where it starts ("51-55 of 55"); `at` is this
    page's position and `shown` how many leads it holds.
    """
    search = reverse("search")
    here = filters["cursor"] or ""
    links: dict[str, str | None] = {"next_url": None, "previous_url": None, "first_url": None}
    if next_cursor:
        stack = [*back, f"{at}:{here}"][-MAX_BACK:]
        query = query_string(filters, cursor=next_cursor, at=at + shown, back=stack)
        links["next_url"] = f"{search}?{query}"
    if back:
        previous_at, previous = _back_entry(back[-1])
        query = query_string(
            filters, cursor=previous or None, at=previous_at or None, back=back[:-1]
        )
        links["previous_url"] = f"{search}?{query}"
    if here:
        links["first_url"] = f"{search}?{query_string(filters)}"
    return links


def _back_entry(entry: str) -> tuple[int, str]:
    """`position:cursor`, or a bare cursor from a link made before positions (position 0)."""
    position, colon, cursor = entry.partition(":")
    if colon and position.isdigit():
        return int(position), cursor
    return 0, entry


def position(value: str | None) -> int:
    """A page's place in its list (the `at` of its link): only ever shown, so anything that is
    not a small whole number is the start."""
    return int(value) if value and value.isdigit() and len(value) < 10 else 0


def sort_columns(sort: str, range_key: str) -> list[dict]:
    """Column headers of the counts table: each links to its own order, flipped when current."""
    search = reverse("search")
    columns = []
    for key, label in COUNT_COLUMNS:
        current = sort.lstrip("-") == key
        descending = sort.startswith("-")
        if current:
            target = key if descending else "-" + key
        else:
            target = key if key == "domain" else "-" + key  # numbers read best largest first
        aria = ("descending" if descending else "ascending") if current else None
        url = f"{search}?{urlencode({'sort': target, 'range': range_key})}"
        columns.append({"key": key, "label": label, "url": url, "aria": aria})
    return columns


def range_links(sort: str, current: str) -> list[dict]:
    """The dashboard's choice of days: 7, 30, 90 or all, keeping the table's order."""
    search = reverse("search")
    return [
        {
            "label": label,
            "url": f"{search}?{urlencode({'range': key, 'sort': sort})}",
            "current": key == current,
        }
        for key, label in RANGE_LABELS.items()
    ]


def safe_return(url: str | None, default: str | None = None) -> str:
    """Only a path on the search page itself: never a redirect to somewhere else."""
    search = reverse("search")
    if url and url.startswith(search) and "\\" not in url and url.isprintable():
        return url
    return default or search


def valid_back(back: list[str]) -> bool:
    """The pages before this one, carried in its links: as many and as long as links make."""
    return len(back) <= MAX_BACK and all(len(cursor) <= 2000 for cursor in back)


def line_links(
    cursor: str | None, back: list[str], next_cursor: str | None, *, limit: int | None = None
) -> dict[str, str]:
    """Next, previous and first page of the line (of `limit` leads); `back` holds the cursors of
    the pages before this one, oldest first ("" for the first page)."""
    line = reverse("search-line")

    def page(at: str | None, before: list[str]) -> str:
        params = [("limit", str(limit))] if limit else []
        params += [("cursor", at)] if at else []
        query = urlencode(params + [("back", c) for c in before])
        return f"{line}?{query}" if query else line

    links = {}
    if next_cursor:
        links["next_url"] = page(next_cursor, [*back, cursor or ""][-MAX_BACK:])
    if back:
        links["previous_url"] = page(back[-1], back[:-1])
    if cursor:
        links["first_url"] = page(None, [])
    return links
