"""The terms of an issue: frames, links, hyphenated names, messages, parts, and the noise of
issue templates and examples left out."""

from __future__ import annotations

from twostep.sizing.terms import fragments, terms

PY_TRACE = '''Crash on open(1, NotImplemented)

```
Traceback (most recent call last):
  File "pylint/utils/ast_walker.py", line 87, in walk
    callback(astroid)
  File "pylint/checkers/stdlib.py", line 877, in _check_open_call
    args=mode_arg.value or str(mode_arg.value),
TypeError: NotImplemented should not be used in a boolean context
```
'''

GO_PANIC = '''panic: runtime error: invalid memory address or nil pointer dereference
goroutine 1 [running]:
github.com/caddyserver/caddy/v2/modules/caddyhttp/reverseproxy.cmdReverseProxy({0x0?})
        github.com/caddyserver/caddy/v2@v2.8.4/modules/caddyhttp/reverseproxy/command.go:238 +0xda7
github.com/spf13/cobra.(*Command).execute(0xc000584c08)
        github.com/spf13/cobra@v1.8.0/command.go:983 +0xaca
'''


def test_python_frames_innermost_first_with_their_functions() -> None:
    t = terms(PY_TRACE)
    assert t.frames == ("pylint/checkers/stdlib.py", "pylint/utils/ast_walker.py")
    assert {"_check_open_call", "walk"} <= set(t.names)
    assert "NotImplemented should not be used in a boolean context" in t.strings


def test_go_frames_innermost_first_with_their_functions() -> None:
    t = terms(GO_PANIC)
    assert t.frames[0].endswith("modules/caddyhttp/reverseproxy/command.go")
    assert "cmdReverseProxy" in t.names


def test_links_give_repository_paths_and_opaque_tokens_go() -> None:
    t = terms("See https://github.com/o/r/blob/d15baf53a9/hugolib/page__per_output.go#L107-L126 "
              "and https://play.vuejs.org/#eNp9U01v1DAQ/SujXNJqS0MFp6hdsaA9LEiAlr1hpA3JtPHWcSLbS "
              "where `Render` returns nothing; commit e53693b4c2 broke it.")
    assert "hugolib/page__per_output.go" in t.paths
    assert not any("eNp9" in n or "e53693b4c2" in n for n in (*t.names, *t.words))
    assert "Render" in t.names


def test_hyphenated_names_are_searched_as_written_and_as_code() -> None:
    t = terms("`nested-min-max` is wrong; run with `--header-down` too.")
    assert {"nested-min-max", "header-down"} <= set(t.strings)
    assert {"nested_min_max", "nestedMinMax", "header_down", "headerDown"} <= set(t.names)
    assert "nestedminmax" in t.path_keys()  # nested_min_max.py is named after it


def test_message_fragments_are_what_a_format_string_keeps() -> None:
    got = fragments('Constant name "exit_code" doesn\'t conform to UPPER_CASE naming style')
    assert "Constant name" in got and "doesn't conform to" in got
    t = terms("```\na.py:4:4: C0103: Constant name \"x\" doesn't conform to UPPER_CASE naming "
              "style (invalid-name)\n```\n")
    assert "doesn't conform to" in t.strings and "invalid-name" in t.strings


def test_camel_and_snake_parts_match_file_names() -> None:
    t = terms("`FuzzyWordCount` and `replace_status` are off by one.")
    assert {"fuzzy", "word", "count", "replace", "status"} <= set(t.parts)


def test_template_questions_version_lines_and_example_names_are_left_out() -> None:
    t = terms("Where breaks\n\n### What version of Hugo are you using (`hugo version`)?\n\n"
              "hugo v0.160.0+extended linux/amd64 BuildDate=unknown\n\n"
              "```python\nclass Foo(TypedDict):\n    some: str\nbaz2: Foo = {1: 5.2}\n```\n")
    assert "BuildDate" not in t.names and "version" not in t.names
    assert "Foo" not in t.names and "baz2" not in t.names and "TypedDict" in t.names


def test_test_names_and_title_terms_are_kept_apart() -> None:
    t = terms("Render ignores missing views\n\nSee `TestRenderViewNotFound` in the suite.")
    assert "TestRenderViewNotFound" in t.tests
    assert {"render", "TestRenderViewNotFound"} <= set(t.strong)  # a sentence starts with it
