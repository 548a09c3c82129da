"""Addresses of pages without a `reverse()` per link.

An outline lists some sixty links, every page's header half a dozen, and
`reverse()` costs tens of microseconds each. A page's address is the same
pattern whatever its ids, so each URL name is reversed once per process (and
script prefix) with stand-in ids, and links are made from that by formatting:
the same address `reverse()` gives (athena/tests/test_links.py), at the cost
of a string format. For URL names whose parameters are all whole numbers.

In templates: `{% page_url "courses:catalog" %}` (a builtin tag, `athena.templatetags`),
used for the links on every page; `{% url %}` elsewhere.
"""

from __future__ import annotations

import functools

from django.urls import get_script_prefix, reverse

# Stand-ins no real address holds: replaced by the ids' format fields.
_STAND_IN = 918_273_645_000


@functools.cache
def _pattern(name: str, names: tuple[str, ...], prefix: str) -> str:
    stand_ins = {key: _STAND_IN + number for number, key in enumerate(names)}
    url = reverse(name, kwargs=stand_ins).replace("{", "{{").replace("}", "}}")
    for key, value in stand_ins.items():
        url = url.replace(str(value), "{" + key + "}")
    return url


def page_url(name: str, **ids: int) -> str:
    """`reverse(name, kwargs=ids)` for a page whose parameters are ids."""
    return _pattern(name, tuple(ids), get_script_prefix()).format(**ids)


def page_url_format(name: str, *names: str) -> str:
    """`page_url`'s address for `name` as a format string over the
    parameters `names` ("{course_id}"), for a page making many links at once."""
    return _pattern(name, names, get_script_prefix())
