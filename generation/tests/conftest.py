"""Fixtures for the generation app's tests."""

from collections.abc import Iterator

import pytest

from generation.tests.llm_server import StandInServer, configure, running_stand_in


@pytest.fixture
def llm_server(settings) -> Iterator[StandInServer]:
    """A stand-in model server on 127.0.0.1, with the settings pointing at it;
    shut down after the test."""
    with running_stand_in() as server:
        configure(settings, server)
        yield server
