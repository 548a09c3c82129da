"""How many account e-mails (sign-up confirmations and notices, password
resets) go out, so nobody can flood an inbox, or the site's mail server, by
asking again and again.

Every request that would send one counts, whether or not the address has an
account, and one past a limit sends nothing while its page says what it always
says: the limits reveal no more than the forms do. Three fixed one-hour
windows, each counted only when the one before allowed the mail:

- from one client address, to any addresses (a script mailing many people);
- to one address, from one client address (one person asking again);
- to one address, from any (a flood from many places). This one is larger
  than the one before, so one person alone cannot use up an address's
  allowance and keep its owner from resetting their password.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.crypto import salted_hmac

from athena.ratelimit import window_count

WINDOW_SECONDS = 60 * 60

logger = logging.getLogger(__name__)


def _address_key(email: str) -> str:
    # Keyed with SECRET_KEY: the cache never holds an address, nor a plain hash
    # one could look addresses up by.
    return salted_hmac(__name__, email.strip().lower()).hexdigest()[:32]


def account_mail_allowed(*, email: str, client: str) -> bool:
    """Count one account e-mail to `email` asked for from `client` (a client
    address, athena.client_address); answer whether it may be sent."""
    address = _address_key(email)
    limits = (
        ("from one client", f"client:{client}", settings.ATHENA_MAILS_PER_HOUR_FROM_CLIENT),
        (
            "to one address from one client",
            f"to:{address}:client:{client}",
            settings.ATHENA_MAILS_PER_HOUR_TO_ADDRESS_FROM_CLIENT,
        ),
        ("to one address", f"to:{address}", settings.ATHENA_MAILS_PER_HOUR_TO_ADDRESS),
    )
    for name, key, limit in limits:
        if window_count(f"account-mail:{key}", seconds=WINDOW_SECONDS) > limit:
            # No address in the log: the line is for spotting a flood.
            logger.warning("Account e-mail not sent: over the hourly limit %s (%s)", name, limit)
            return False
    return True
