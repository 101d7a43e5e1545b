"""The suite's root. The layout mirrors the package: unit/<subpackage>/ for unit tests, e2e/ for
whole runs with stand-in model CLIs, realcli/ for the real pinned CLIs against the loopback API
fakes. support/ holds the fakes, the stand-ins and the helpers (imported as `tests.support.*`)
and the shared fixtures, which it provides as a pytest plugin."""

pytest_plugins = ["tests.support.fixtures"]
