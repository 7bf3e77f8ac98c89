"""Template filters of the staff pages: `unicode_domain` and `unicode_email` (staff/format.py)."""

from __future__ import annotations

from django import template

from staff import format as fmt

register = template.Library()
register.filter("unicode_domain", fmt.unicode_domain)
register.filter("unicode_email", fmt.unicode_email)
