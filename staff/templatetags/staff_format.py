"""Template filters of the staff pages: `unicode_domain`, `unicode_email` and `status_label`
(staff/format.py)."""

from __future__ import annotations

from django import template

from staff import format as fmt

register = template.Library()
register.filter("unicode_domain", fmt.unicode_domain)
register.filter("unicode_email", fmt.unicode_email)
register.filter("status_label", fmt.status_label)
