"""Fixtures shared by the kernel tests."""

import pytest

import pyfastfit as ff


@pytest.fixture(params=[1, 2], ids=["1thread", "2threads"])
def threads(request):
    """Runs the test once on one thread and once on two (the pool's split paths)."""
    old = ff.config.get_num_threads()
    ff.config.set_num_threads(request.param)
    yield request.param
    ff.config.set_num_threads(old)
