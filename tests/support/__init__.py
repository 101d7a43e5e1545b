"""What the tests share: the loopback API fakes, the stand-in CLIs, helpers, and the fixtures
(fixtures.py, loaded as a pytest plugin by tests/conftest.py)."""
