"""Confirmation links die when staff activate or deactivate an account.

A confirmation link hashes the account's state (accounts.services): its active
flag, password and last log-in. An account confirmed once has a password and a
last log-in, so deactivating it never brings an old link back. One that never
had either, activated and then deactivated again by staff, would be back where
it started: renewing its password placeholder on each change spends the links.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import pre_save
from django.dispatch import receiver


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def spend_confirmation_links_on_activation_change(
    sender: Any, instance: Any, update_fields: frozenset[str] | None = None, **kwargs: Any
) -> None:
    if instance.pk is None or instance.has_usable_password():
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    accounts = sender._default_manager.filter(pk=instance.pk)
    was_active = accounts.values_list("is_active", flat=True).first()
    if was_active is None or was_active == instance.is_active:
        return
    instance.set_unusable_password()
    if update_fields is not None and "password" not in update_fields:
        # This save writes only the fields it names: the new placeholder too.
        accounts.update(password=instance.password)
