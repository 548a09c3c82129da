"""The static files storage: WhiteNoise's compressed, hashed files, with each
file's address worked out once per process.

Every page links a handful of static files, and the manifest storage works
out each address anew (the hashed name, then joining it to `STATIC_URL`):
about 25 us a link, 0.1 ms a page. The manifest is read when the process
starts and never changes while it runs, so neither does an address."""

from __future__ import annotations

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.addresses: dict[tuple[str, bool], str] = {}

    def url(self, name: str, force: bool = False) -> str:
        # Hashed unless DEBUG asks for plain names (DEBUG may change in tests).
        key = (name, force or not settings.DEBUG)
        address = self.addresses.get(key)
        if address is None:
            address = self.addresses[key] = super().url(name, force)
        return address
