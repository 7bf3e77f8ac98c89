"""The store's own errors."""


class StoreError(Exception):
    """Base class of the store's own errors."""


class StoreUnavailable(StoreError):
    """The backing service did not answer (after retries). Callers answer 503."""


class InvalidCursor(StoreError):
    """A cursor that this store did not hand out."""
