"""gunicorn's logger, minus the one secret a URL path carries.

A password-reset link holds its token in the path (/accounts/reset/<uid>/<token>/);
Django swaps it for "set-password" at once, but the first request would still
write a working token into the access log. gunicorn.conf.py sets
`logger_class` to this; Django's own lines are masked by athena.log.
"""

from typing import Any

from gunicorn.glogging import Logger

from athena.log import redact_path


class AccessLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        for name in ("U", "r"):
            if isinstance(atoms.get(name), str):
                atoms[name] = redact_path(atoms[name])
        return atoms
