"""Config tests load and run the real configs: one torch thread each."""
import pytest


@pytest.fixture(scope='module', autouse=True)
def _one_torch_thread_per_module(one_torch_thread):
    """``one_torch_thread`` (tests/downstream_fixtures.py) for every module."""
    yield
