"""The load benchmark (`make bench`): a development-only Django app.

bench/run.py drives it; the app itself only carries the management commands
that fill a throwaway database for it (`manage.py seed_catalog`). It is
installed only where this directory exists (athena/settings.py): the Docker
image leaves it out (.dockerignore), so no production server has a command that
writes raw rows into its database.
"""
