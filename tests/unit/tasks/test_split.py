"""The task splitter on the plan shapes real planners write."""

from __future__ import annotations

import json
import textwrap

from twostep.tasks.split import Split, describe, render_text, split_plan, to_json


def split(text: str) -> Split:
    return split_plan(textwrap.dedent(text).lstrip("\n"))


def titles(s: Split) -> list[str]:
    return [t.title for t in s.tasks]


def test_step_headings_leave_trailing_sections_out_of_the_last_task() -> None:
    s = split("""
        # Plan: JSON output

        Context: the CLI prints text only.

        ## Step 1: Add the encoder
        Create `pkg/out/json.go`.

        ## Step 2: Thread it through the module API
        Change `pkg/out/out.go`.

        ### Details
        Keep the old signature.

        ## Step 3: Tests
        Extend `pkg/out/out_test.go`.

        ## Testing
        Run `go test ./...`.

        ## Risks
        None.
        """)
    assert s.source == "headings"
    assert titles(s) == ["Add the encoder", "Thread it through the module API", "Tests"]
    assert [(t.first_line, t.last_line) for t in s.tasks] == [(5, 6), (8, 12), (14, 15)]
    assert "### Details" in s.tasks[1].text  # a deeper heading belongs to its task
    assert "Testing" not in s.tasks[2].text and "Risks" not in s.tasks[2].text
    assert s.epilogue.startswith("## Testing") and s.epilogue.endswith("None.")
    assert s.preamble == "# Plan: JSON output\n\nContext: the CLI prints text only."
    assert all(t.files == () for t in s.tasks)


def test_task_headings_with_dashes_under_a_parent_heading() -> None:
    s = split("""
        ## Tasks
        ### Task 1 — Parser
        Edit `src/parse.rs`.
        ### Task 2 – Lexer
        Edit `src/lex.rs`.
        ### Task 3 - Wire-up
        Edit `src/main.rs`.
        ## Files
        - src/parse.rs
        """)
    assert s.source == "headings"
    assert titles(s) == ["Parser", "Lexer", "Wire-up"]
    assert s.tasks[2].text == "### Task 3 - Wire-up\nEdit `src/main.rs`."
    assert s.epilogue == "## Files\n- src/parse.rs"


def test_bare_numbered_headings_skip_sections_that_are_not_work() -> None:
    s = split("""
        ## 1. Overview
        Why we do this.
        ## 2. Backend changes
        Edit `api/server.py`.
        ## 3) Frontend changes
        Edit `web/app.ts`.
        ## 4. Notes
        Nothing else.
        """)
    assert s.source == "headings"
    assert titles(s) == ["Backend changes", "Frontend changes"]
    assert s.preamble == "## 1. Overview\nWhy we do this."
    assert s.epilogue == "## 4. Notes\nNothing else."


def test_the_level_whose_numbering_rises_is_used_not_one_that_restarts() -> None:
    s = split("""
        # Migration
        ## Phase 1 - Schema
        ### Step 1
        Add the column.
        ### Step 2
        Backfill.
        ## Phase 2 - Code
        ### Step 1
        Read the column.
        ### Step 2
        Drop the old code.
        """)
    assert titles(s) == ["Schema", "Code"]
    assert s.tasks[0].last_line == 6 and "Backfill." in s.tasks[0].text


def test_numbered_headings_one_level_down_from_an_unnumbered_parent() -> None:
    s = split("""
        # Add archived_at
        ## Implementation
        ### Step 1: migration
        a
        ### Step 2: store
        b
        ### Step 3: API
        c
        ## Verification
        go test ./...
        """)
    assert titles(s) == ["migration", "store", "API"]
    assert s.tasks[-1].text == "### Step 3: API\nc"
    assert s.epilogue == "## Verification\ngo test ./..."


def test_bold_step_lines() -> None:
    s = split("""
        I'll wire tracing in.

        **Step 1 – service spans.** In `internal/widget/service.go`, wrap `Create`.

        **Step 2:** Add a child span in `store.go`.
        It continues here.

        **Notes**
        Nothing else.
        """)
    assert s.source == "steps"
    assert titles(s) == ["service spans", "Add a child span in store.go"]
    assert s.tasks[1].text.endswith("It continues here.")
    assert s.epilogue == "**Notes**\nNothing else."


def test_plain_step_lines_and_a_rule_ending_the_last_one() -> None:
    s = split("""
        Step 1. Create `a.py`.
        Step 2: Import it from `b.py`.

        ---
        Run the tests afterwards.
        """)
    assert s.source == "steps"
    assert titles(s) == ["Create a.py", "Import it from b.py"]
    assert s.tasks[1].last_line == 2
    assert s.epilogue.endswith("Run the tests afterwards.")


def test_numbered_list_with_nested_bullets_code_blocks_and_lazy_lines() -> None:
    s = split("""
        ## Changes

        1. **Load function** — `src/routes/+page.server.ts`:
           - read `page`
           - call `getPosts`
           ```ts
           1. not an item
           ## not a heading
           ```
        2. `src/lib/posts.ts` gets `offset` and
        `limit` arguments (a lazy continuation line).
        3. Tests: extend `tests/posts.test.ts`.
           1. nested numbered item, still task 3

        Marketing pages are unaffected.
        """)
    assert s.source == "list"
    assert titles(s) == ["Load function", "src/lib/posts.ts gets offset and",
                         "Tests: extend tests/posts.test.ts"]
    assert [(t.first_line, t.last_line) for t in s.tasks] == [(3, 9), (10, 11), (12, 13)]
    assert "## not a heading" in s.tasks[0].text
    assert s.epilogue == "Marketing pages are unaffected."


def test_a_sub_list_indented_two_spaces_stays_in_its_item() -> None:
    s = split("""
        ## Steps
        1. Parser
          1. tokens
          2. errors
        2. Lexer
        """)
    assert titles(s) == ["Parser", "Lexer"] and s.tasks[0].last_line == 4


def test_a_code_block_between_items_stays_with_the_item_before_it() -> None:
    s = split("""
        1. Create `x.py`:
        ```python
        def f(): ...
        ```
        2. Call it from `y.py`.
        3. Test it.
        """)
    assert s.source == "list"
    assert len(s.tasks) == 3
    assert s.tasks[0].text.endswith("```") and "def f()" in s.tasks[0].text


def test_a_step_list_beats_a_longer_list_of_files_and_verification_lists_are_no_tasks() -> None:
    s = split("""
        ## Files
        1. a.py
        2. b.py
        3. c.py
        ## Steps
        1. Change a.py and b.py.
        2. Change c.py.
        ## Verification
        1. pytest
        2. ruff check
        """)
    assert titles(s) == ["Change a.py and b.py", "Change c.py"]
    only_checks = split("""
        Rename the flag in `cli.py`.
        ## Verification
        1. pytest
        2. ruff check
        """)
    assert only_checks.source == "whole"


def test_headings_and_lists_inside_code_blocks_are_not_structure() -> None:
    s = split("""
        Update the template in `docs/template.md` to read:

        ```markdown
        ## Step 1: Install
        ## Step 2: Configure
        ```

        ~~~
        1. one
        2. two
        ~~~
        """)
    assert s.source == "whole"
    assert len(s.tasks) == 1 and s.tasks[0].first_line == 1 and s.tasks[0].last_line == 11


def test_a_plan_wrapped_in_a_markdown_fence_is_read_through() -> None:
    s = split("""
        ```markdown
        ## Step 1: a
        x
        ## Step 2: b
        y
        ```
        """)
    assert titles(s) == ["a", "b"]


def test_task_list_folded_into_the_files_section_takes_text_from_matching_headings() -> None:
    s = split("""
        # Plan
        ## Step 1: Encoder
        Write it.
        ## Step 2: API
        Thread it through.

        ```twostep-files
        read: go.mod
        task 1: Add the encoder
        create: pkg/out/json.go   # new
        task 2: Thread it through the module API
        - modify: `pkg/out/out.go`
        modify:
          - pkg/out/out_test.go
        ```
        """)
    assert s.source == "section" and s.fallback == ""
    assert titles(s) == ["Add the encoder", "Thread it through the module API"]
    assert s.files == (("read", "go.mod"),)
    assert s.tasks[0].files == (("create", "pkg/out/json.go"),)
    assert s.tasks[1].files == (("modify", "pkg/out/out.go"), ("modify", "pkg/out/out_test.go"))
    assert s.tasks[0].text == "## Step 1: Encoder\nWrite it."
    assert s.tasks[1].last_line == 5  # the fence is not part of the last task


def test_separate_task_block_without_plan_structure() -> None:
    s = split("""
        Make the export streaming; see the notes below.

        ```twostep-tasks
        task: Stream rows
        edit src/export.py
        Task 2 — Document it
        update: README.md
        ```
        """)
    assert s.source == "section"
    assert titles(s) == ["Stream rows", "Document it"]
    assert s.tasks[0].files == (("modify", "src/export.py"),)
    assert (s.tasks[1].first_line, s.tasks[1].last_line) == (6, 7)
    assert s.preamble.startswith("Make the export streaming")


def test_files_section_without_task_lines_belongs_to_the_whole_plan() -> None:
    s = split("""
        Rename `old()` to `new()`.

        ```twostep-files
        modify: a.py
        read: b.py
        ```
        """)
    assert s.source == "whole" and s.fallback == "the twostep-files block has no task lines"
    assert s.files == (("modify", "a.py"), ("read", "b.py")) == s.tasks[0].files


def test_no_structure_is_one_task_and_an_empty_plan_none() -> None:
    s = split("""
        I'd approach the CSV export like this. The CLI entry point is src/cli.py.

        Add tests in tests/test_cli.py.
        """)
    assert s.source == "whole" and len(s.tasks) == 1
    assert s.tasks[0].title == "I'd approach the CSV export like this"
    assert split_plan("  \n\n").source == "empty" and split_plan("").tasks == ()


def test_crlf_and_cr_line_ends_split_like_lf() -> None:
    lf = "## Step 1: a\nx\n## Step 2: b\ny\n"
    crlf, cr = lf.replace("\n", "\r\n"), lf.replace("\n", "\r")
    assert split_plan(crlf) == split_plan(lf) == split_plan(cr)


def test_renderings() -> None:
    s = split("""
        ## Step 1: Add\tthe encoder
        x
        ## Step 2: API
        y
        """)
    assert render_text(s) == "1\t1-2\tAdd the encoder\n2\t3-4\tAPI\n"
    data = json.loads(to_json(s))
    assert data["source"] == "headings"
    assert data["tasks"][1] == {"number": 2, "title": "API", "text": "## Step 2: API\ny",
                                "first_line": 3, "last_line": 4, "files": [], "label": "",
                                "after": []}
    assert data["fallback"] == "no twostep-files block"
    assert describe(s) == ("2 task(s) from numbered headings "
                           "(fallback: no twostep-files block)")
    assert to_json(s) == to_json(split_plan("## Step 1: Add\tthe encoder\nx\n## Step 2: API\ny"))
