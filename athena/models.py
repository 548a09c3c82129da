"""The project's own tables: only the version counters (athena.versions)."""

from __future__ import annotations

from django.db import models


class Version(models.Model):
    """A named counter that a write moves on inside its own transaction, so every
    process reading it next sees the change: caches in front of the data are
    keyed by it (athena.versions)."""

    name = models.CharField(max_length=64, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        db_table = "versions"

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"
