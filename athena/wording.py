"""Counted nouns in messages, with the right plural: "1 draft copy",
"2 draft copies", never "copies" after 1 or "(s)"."""

from __future__ import annotations

from django.utils.translation import ngettext


def counted(number: int, singular: str, plural: str) -> str:
    return f"{number} {ngettext(singular, plural, number)}"
