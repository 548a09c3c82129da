"""Command-line arguments the content commands share."""

from __future__ import annotations

from django.core.management.base import CommandParser

from courses.models import PREFERENCE_CHOICES


def add_preference_arguments(parser: CommandParser, *, required: bool, help: str) -> None:
    """`--level`, `--duration` and `--focus`, any case, each checked against
    its choices; `help` is formatted with the preference's name as `{key}`."""
    for key, choices in PREFERENCE_CHOICES.items():
        parser.add_argument(
            f"--{key}",
            type=str.lower,
            choices=choices.values,
            required=required,
            help=help.format(key=key),
        )
