"""django-csp's middleware, with the policy built once instead of on every response.

No page of ours asks for a nonce and no view changes the policy, so the header is the same on
every response; django-csp builds it from the settings each time anyway, about 0.2 ms of CPU,
a tenth of a signup's (bench/RESULTS.md, "A signup's CPU"). A response that does ask for a
nonce or a policy of its own (csp's decorators), or settings with a report-only policy or
excluded prefixes, get django-csp's own handling, unchanged.
"""

from __future__ import annotations

import http.client

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

# What csp's decorators set on a response (csp/decorators.py).
PER_VIEW = (
    "_csp_config", "_csp_update", "_csp_replace",
    "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro",
)  # fmt: skip
DEBUG_PAGES = (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND)


class CSPMiddleware(BaseCSPMiddleware):
    _built_from: object = None
    _policy = ""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        config = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(getattr(response, name, None) is not None for name in PER_VIEW)
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or (config or {}).get("EXCLUDE_URL_PREFIXES")
            or (settings.DEBUG and response.status_code in DEBUG_PAGES)
        ):
            return super().process_response(request, response)
        if config is not self._built_from:  # the settings were replaced (a test's override)
            self._policy, self._built_from = build_policy(), config
        if self._policy and HEADER not in response and not getattr(response, "_csp_exempt", False):
            response[HEADER] = self._policy
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
