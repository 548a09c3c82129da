"""Addresses of course pages without a `reverse()` per link.

An outline lists some sixty links, and `reverse()` costs tens of microseconds
each. Every course page address is the same pattern with other ids, so each
URL name is reversed once per process (and script prefix) with stand-in ids,
and links are made from that by formatting: the same address `reverse()`
gives (tested), at the cost of a string format.
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


def course_url(name: str, **ids: int) -> str:
    """`reverse(name, kwargs=ids)` for a course page whose parameters are ids."""
    return _pattern(name, tuple(ids), get_script_prefix()).format(**ids)
