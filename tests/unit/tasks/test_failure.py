"""Failing verify output: its bounded tail, and a fingerprint that survives run-to-run noise."""

from __future__ import annotations

from twostep.tasks.failure import fingerprint, normalise, tail

PYTEST = """\x1b[1m========================= test session starts ==========================\x1b[0m
platform linux -- Python 3.11.7, pytest-8.0.0, pluggy-1.4.0
Using --randomly-seed={seed}
rootdir: {tmp}/proj
plugins: randomly-3.15.0, xdist-3.5.0
collected {collected} items

tests/test_calc.py {dots}                                       [{pct}%]
tests/test_io.py ....                                                    [100%]

=================================== FAILURES ===================================
\x1b[31m\x1b[1m_________________________________ {test} _________________________________\x1b[0m
[gw{worker}] linux -- Python 3.11.7 {tmp}/venv/bin/python

    def {test}(tmp_path):
        out = tmp_path / "out.txt"
>       assert divide(6, 3) == {want}
E       assert 2.0 == {want}
E        +  where 2.0 = divide(6, 3)

tests/test_calc.py:{line}: AssertionError
----------------------------- Captured log call ------------------------------
{date} INFO calc: pid={pid} writing {tmp}/pytest-of-dev/pytest-{n}/{test}0/out.txt
object at {addr}
=========================== short test summary info ============================
FAILED tests/test_calc.py::{test} - assert 2.0 == {want}
\x1b[31m=================== 1 failed, {passed} passed in {secs}s ===================\x1b[0m
"""

GO = """=== RUN   TestParse
--- PASS: TestParse ({t1}s)
=== RUN   {test}
    lexer_test.go:{line}: got Token(ident), want Token({want})
--- FAIL: {test} ({t2}s)
panic: runtime error: index out of range [3] with length 3 [recovered]

goroutine {g} [running]:
testing.tRunner.func1.2({addr})
\t/usr/local/go/src/testing/testing.go:1545 +0x238
example.com/acme/lexer.Next(...)
\t/home/dev/acme/lexer/lexer.go:{line2} +0x1d
-test.shuffle {seed}
FAIL\texample.com/acme/lexer\t{t3}s
ok  \texample.com/acme/parser\t{t4}s
?   \texample.com/acme/cmd\t[no test files]
FAIL
"""

NODE = """TAP version 13
(node:{pid}) ExperimentalWarning: test runner is experimental
# Subtest: adds
ok 1 - adds
  ---
  duration_ms: {d1}
  ...
# Subtest: {test}
not ok 2 - {test}
  ---
  duration_ms: {d2}
  failureType: 'testCodeFailure'
  error: 'Expected values to be strictly equal:\\n\\n{got} !== {want}\\n'
  code: 'ERR_ASSERTION'
  stack: |-
    TestContext.<anonymous> (file://{tmp}/app/test/math.test.js:{line}:{col})
    Test.runInAsyncScope (node:async_hooks:206:9)
  ...
1..2
# tests 2
# pass 1
# fail 1
# duration_ms {d3}
Server listening on http://127.0.0.1:{port} at {date}
"""


def pytest_run(**kw: object) -> str:
    base: dict[str, object] = {
        "seed": 1234567, "tmp": "/tmp/tmpa1b2c3", "collected": 12, "dots": "..F.....",
        "pct": 66, "test": "test_divide", "worker": 0, "want": 3, "line": 42,
        "date": "2026-12-01 05:25:22,123", "pid": 4242, "n": 12, "addr": "0x7f3a2b1c4d50",
        "passed": 11, "secs": "0.53"}
    return PYTEST.format(**{**base, **kw})


def go_run(**kw: object) -> str:
    base: dict[str, object] = {
        "t1": "0.00", "test": "TestKeywords", "line": 17, "want": "keyword", "t2": "0.01",
        "g": 7, "addr": "0x10a3e40, 0xc000016198", "line2": 88, "seed": 1701234567,
        "t3": "0.005", "t4": "0.120"}
    return GO.format(**{**base, **kw})


def node_run(**kw: object) -> str:
    base: dict[str, object] = {
        "pid": 31337, "d1": "0.61", "test": "subtracts", "d2": "1.2345", "got": 2, "want": 3,
        "tmp": "/tmp/node-test-x1y2", "line": 12, "col": 10, "d3": "45.678", "port": 54321,
        "date": "Tue, 01 Dec 2026 05:25:22 GMT"}
    return NODE.format(**{**base, **kw})


def test_pytest_noise_does_not_change_the_fingerprint() -> None:
    argv = ["pytest", "-q"]
    first = fingerprint(argv, pytest_run())
    other_run = pytest_run(
        seed=98765, tmp="/tmp/tmpz9y8x7", secs="12.41", date="2026-12-02 17:01:09,999",
        pid=999, n=13, addr="0x55d0c0ffee10", worker=3, line=44, pct=40, dots="...F.....",
        collected=13, passed=12)  # a passing test was added above: lines and counts move
    assert fingerprint(argv, other_run) == first
    assert fingerprint(argv, "\r\n".join(pytest_run().split("\n"))) == first  # CRLF output


def test_pytest_a_different_failure_changes_the_fingerprint() -> None:
    argv = ["pytest", "-q"]
    first = fingerprint(argv, pytest_run())
    assert fingerprint(argv, pytest_run(want=4)) != first  # another assertion
    assert fingerprint(argv, pytest_run(test="test_multiply")) != first  # another test
    assert fingerprint(["pytest", "-x"], pytest_run()) != first  # another command


def test_go_test_noise_and_package_order() -> None:
    argv = ["go", "test", "./..."]
    first = fingerprint(argv, go_run())
    again = go_run(t1="0.02", t2="1.50", g=19, addr="0x20b4f50, 0xc0000a4000", seed=1709999999,
                   t3="0.731", t4="2.003", line=19, line2=90)
    assert fingerprint(argv, again) == first
    swapped = again.replace("ok  \texample.com/acme/parser", "TMP").replace(
        "FAIL\texample.com/acme/lexer", "ok  \texample.com/acme/parser").replace(
        "TMP", "FAIL\texample.com/acme/lexer")  # packages finish in another order
    assert fingerprint(argv, swapped) == first
    assert fingerprint(argv, go_run(want="ident")) != first
    assert fingerprint(argv, go_run(test="TestNumbers")) != first


def test_node_test_runner_noise() -> None:
    argv = ["node", "--test"]
    first = fingerprint(argv, node_run())
    again = node_run(pid=4711, d1="3.2", d2="0.9", tmp="/tmp/node-test-q9w8", line=13, col=3,
                     d3="1234.5", port=40001, date="Wed, 02 Dec 2026 01:02:03 GMT")
    assert fingerprint(argv, again) == first
    assert fingerprint(argv, node_run(got=1)) != first
    assert fingerprint(argv, node_run(test="multiplies")) != first


def test_verbose_runs_with_more_passing_tests_keep_the_fingerprint() -> None:
    def verbose(passing: int, secs: str) -> str:
        rows = [f"tests/test_m.py::test_{k} PASSED{' ' * 30}[ {k * 10}%]" for k in range(passing)]
        return "\n".join([*rows, "tests/test_m.py::test_div FAILED", "E   ZeroDivisionError",
                          f"=== 1 failed, {passing} passed in {secs}s ==="])
    argv = ["pytest", "-v"]
    assert fingerprint(argv, verbose(3, "0.10")) == fingerprint(argv, verbose(9, "1.70"))
    assert fingerprint(argv, verbose(3, "0.10")) != fingerprint(argv, verbose(3, "0.10").replace(
        "ZeroDivisionError", "KeyError: 'x'"))


def test_normalise_keeps_what_tells_failures_apart() -> None:
    text = normalise(pytest_run())
    assert "FAILED tests/test_calc.py::test_divide - assert 2.0 == 3" in text
    assert "E assert 2.0 == 3" in text
    assert "\x1b" not in text and "0.53" not in text and "1234567" not in text
    assert "/tmp/" not in text and "4242" not in text and "0x7f3a" not in text
    assert "..F" not in text  # progress lines are gone
    go = normalise(go_run())
    assert "--- FAIL: TestKeywords (<dur>)" in go and "=== RUN" not in go
    assert "goroutine <n> [running]:" in go and "ok example.com/acme/parser" not in go


def test_tail_is_bounded_and_plain() -> None:
    out = "".join(f"line {k}\n" for k in range(1000)) + "\x1b[31mFAILED\x1b[0m\n\n"
    t = tail(out, lines=200)
    assert t.splitlines()[0] == "[… 801 earlier line(s) left out]"
    assert t.splitlines()[1] == "line 801" and t.endswith("FAILED")
    assert len(t.splitlines()) == 201
    progress = tail("downloading 10%\r downloading 90%\rdone\nok")
    assert progress == "done\nok"
    assert tail("short") == "short"
    huge = tail("x" * 50_000 + "\nlast line", lines=200, max_chars=1000)
    assert huge.endswith("last line") and len(huge) < 1100
    assert "cut to the last" in huge.splitlines()[0]
