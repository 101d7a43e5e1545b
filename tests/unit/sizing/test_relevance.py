"""Relevance with rg: terms from a spec, definitions over mentions, exact selection, stability."""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

import pytest

from twostep.sizing.relevance import Ranked, file_sizes, format_ranked, rank, relevant, terms
from twostep.sizing.rgsearch import definition_argv, mention_argv, run_many, xargs_argv

ROOT = Path(__file__).resolve().parents[3]
os.environ["PATH"] = f"{ROOT / '.venv/bin'}{os.pathsep}{os.environ.get('PATH', '')}"


def make_repo(root: Path, files: dict[str, str], *, untracked: dict[str, str] | None = None,
              ignore: str = "") -> list[str]:
    """A git repository with `files` committed (forced past .gitignore); returns them tracked."""
    for path, text in {**files, **(untracked or {})}.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    (root / ".gitignore").write_text(ignore)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-f", "--", *files], cwd=root, check=True)
    out = subprocess.run(["git", "ls-files", "-z"], cwd=root, check=True, capture_output=True)
    return [p for p in out.stdout.decode().split("\0") if p]


def test_terms_take_code_names_dotted_parts_paths_and_phrases() -> None:
    t = terms('Add a `timeout` to Session.request in requests/sessions.py; show "Read timed out" '
              "and fix os.path.join when get_body() is called.")
    assert {"Session", "request", "timeout", "join", "get_body"} <= set(t.names)
    assert "Session.request" in t.dotted and "os.path.join" in t.dotted
    assert t.qualifiers == ("os", "path")  # module prefixes: looked for in paths and mentions
    assert t.paths == ("requests/sessions.py",)
    assert t.strings == ("Read timed out",)
    assert not {"add", "the", "when", "fix", "show", "is"} & set(t.words)


def test_plain_words_are_lowercase_and_stop_words_dropped() -> None:
    t = terms("The JSON decoder should report the column and/or line of an error.")
    assert t.names == ()
    assert t.words == ("column", "decoder", "json", "line")  # "report": an issue template's
    assert t.paths == ()  # and/or is prose, not a path


def test_terms_are_deterministic() -> None:
    spec = "Make Foo.bar_baz and qux_quux work with `a/b.py` and \"an error\"."
    assert terms(spec) == terms(spec)
    assert definition_argv(terms(spec), "python") == definition_argv(terms(spec), "python")


def test_a_definition_outranks_many_mentions(tmp_path: Path) -> None:
    tracked = make_repo(tmp_path, {
        "pkg/session.py": "class Session:\n    def request(self):\n        return 1\n",
        "pkg/client.py": "from pkg.session import Session\n" + "x = Session().request()\n" * 200,
        "pkg/other.py": "def unrelated():\n    pass\n",
    })
    ranked = relevant(tmp_path, "Session.request should retry once.", "python", tracked)
    assert [r.path for r in ranked[:2]] == ["pkg/session.py", "pkg/client.py"]
    assert ranked[0].score > ranked[1].score
    assert "defines Session" in ranked[0].reasons and "defines request" in ranked[0].reasons
    assert all(r.path != "pkg/other.py" for r in ranked)


def test_searches_exactly_the_tracked_selection(tmp_path: Path) -> None:
    tracked = make_repo(tmp_path, {".hidden/defs.py": "def frobnicate():\n    pass\n",
                                   "build/gen.py": "def frobnicate():\n    pass\n"},
                        untracked={"scratch.py": "def frobnicate():\n    pass\n"},
                        ignore="build/\n")
    got = {r.path for r in relevant(tmp_path, "Speed up frobnicate().", "python", tracked)}
    # hidden and ignored-but-tracked files are searched; the untracked one is not
    assert got == {".hidden/defs.py", "build/gen.py"}
    selected = [p for p in tracked if p.startswith(".hidden/")]
    assert {r.path for r in relevant(tmp_path, "frobnicate()", "python", selected)} == set(selected)


@pytest.mark.parametrize(("language", "path", "text"), [
    ("go", "cmd/run.go", "package cmd\n\nfunc (c *Cmd) Execute() error {\n\treturn nil\n}\n"),
    ("go", "cmd/types.go", "package cmd\n\ntype Execute struct {\n\tN int\n}\n"),
    ("typescript", "src/a.ts", "export async function Execute(x: number) {\n  return x\n}\n"),
    ("typescript", "src/b.ts", "export interface Execute {\n  n: number\n}\n"),
    ("typescript", "src/c.ts", "class Runner {\n  Execute(n: number): void {\n  }\n}\n"),
    ("typescript", "src/d.ts", "export const Execute = (n: number) => n\n"),
    ("default", "src/lib.rs", "pub fn Execute() {}\n"),
    ("python", "m.py", "Execute = make_runner()\n"),
])
def test_definition_patterns_per_language(tmp_path: Path, language: str, path: str,
                                          text: str) -> None:
    tracked = make_repo(tmp_path, {path: text, "z/mention.txt": "we call Execute here\n"})
    ranked = relevant(tmp_path, "Make Execute faster.", language, tracked)
    assert ranked[0].path == path and "defines Execute" in ranked[0].reasons


def test_rank_is_stable_under_shuffled_input() -> None:
    t = terms("Fix Widget.render and the `paint` helper.")
    defs = [b"a/w.py\0Widget", b"a/w.py\0render", b"b/p.py\0paint", b"c/x.py\0render"]
    mentions = [b"%s\0%s" % (p, n) for p in (b"a/w.py", b"b/p.py", b"c/x.py", b"d/y.py")
                for n in (b"Widget", b"paint", b"render")]
    tracked = ["a/w.py", "b/p.py", "c/x.py", "d/y.py", "e/z.py"]
    first = rank(b"\n".join(defs), b"\n".join(mentions), [], tracked, spec_terms=t)
    rng = random.Random(7)
    for _ in range(20):
        rng.shuffle(defs)
        rng.shuffle(mentions)
        rng.shuffle(tracked)
        again = rank(b"\n".join(defs), b"\n".join(mentions), [], tracked, spec_terms=t)
        assert again == first
    assert [r.path for r in first][:2] == ["a/w.py", "b/p.py"]
    assert first == sorted(first, key=lambda r: (not r.explicit, -r.score, r.path))


def test_explicit_spec_paths_come_first_even_without_hits() -> None:
    t = terms("Refactor Engine in core/engine.py and look at docs/.")
    tracked = ["core/engine.py", "core/util.py", "docs/a.md", "x/engine_impl.py"]
    ranked = rank(b"x/engine_impl.py\0Engine\n", b"", t.paths, tracked, spec_terms=t)
    assert ranked[0] == Ranked("core/engine.py", ranked[0].score, ranked[0].reasons, True)
    assert ranked[1].path == "x/engine_impl.py"
    assert "under a directory the spec names" in {r.path: r for r in ranked}["docs/a.md"].reasons


def test_untracked_paths_in_rg_output_are_ignored() -> None:
    t = terms("Tune Parser.")
    ranked = rank(b"vendor/p.py\0Parser\nsrc/p.py\0Parser\n", b"", [], ["src/p.py"], spec_terms=t)
    assert [r.path for r in ranked] == ["src/p.py"]


def test_argv_builders_end_with_double_dash_and_skip_empty_searches() -> None:
    t = terms("`Foo` breaks on \"bad input\".")
    assert definition_argv(t, "python")[-1] == "--" and mention_argv(t)[-1] == "--"
    assert r"\bFoo\b" in mention_argv(t) and r"\bbad\ input\b" in mention_argv(t)
    assert definition_argv(terms("the decoder is slow"), "python") == []
    assert mention_argv(terms("the and of")) == []


def test_long_selections_run_in_several_rg_processes(tmp_path: Path, monkeypatch) -> None:
    files = {f"d/f{i:03}.py": f"def widget_{i}():\n    pass\n" for i in range(60)}
    tracked = make_repo(tmp_path, files)
    monkeypatch.setattr("twostep.sizing.rgsearch.ARGS_BYTES", 100)  # about 10 paths per rg
    (out,) = run_many(tmp_path, [definition_argv(terms("widget_7() and widget_42()"), "python")],
                      tracked)
    assert sorted(out.splitlines()) == [b"d/f007.py\0widget_7", b"d/f042.py\0widget_42"]


def test_the_bash_stage_gives_the_same_ranking(tmp_path: Path) -> None:
    """What a dry-run script runs (git ls-files | xargs rg) ranks like relevant() does."""
    tracked = make_repo(tmp_path, {"a/engine.py": "class Engine:\n    pass\n",
                                   "b/use.py": "from a.engine import Engine\nEngine()\n"})
    t = terms("Make Engine start lazily.")
    outs = []
    for argv in (definition_argv(t, "python"), mention_argv(t)):
        ls = subprocess.Popen(["git", "ls-files", "-z"], cwd=tmp_path, stdout=subprocess.PIPE)
        outs.append(subprocess.run(xargs_argv(argv), cwd=tmp_path, stdin=ls.stdout,
                                   capture_output=True, check=False).stdout)
        ls.wait()
    ranked = rank(outs[0], outs[1], t.paths, tracked, spec_terms=t,
                  sizes=file_sizes(tmp_path, tracked))
    assert ranked == relevant(tmp_path, "Make Engine start lazily.", "python", tracked)
    assert format_ranked(ranked).splitlines()[0].split("\t")[1] == "a/engine.py"
    assert xargs_argv([]) == []


def test_a_long_file_that_mentions_everything_does_not_win_by_size(tmp_path: Path) -> None:
    tracked = make_repo(tmp_path, {
        "CHANGES.rst": "".join(f"* Fixed the parser and the lexer in {i}.\n" for i in range(900)),
        "src/parser.py": "def parse(lexer):\n    return lexer.tokens()\n",
        "src/other.py": "x = 1\n",
    })
    ranked = relevant(tmp_path, "The parser drops the last token of the lexer.", "python",
                      tracked)
    assert ranked[0].path == "src/parser.py"


def test_tests_and_vendored_code_count_less_unless_named(tmp_path: Path) -> None:
    files = {"tests/test_engine.py": "def test_start():\n    Engine().start()\n" * 5,
             "vendor/engine.py": "class Engine:\n    def start(self):\n        pass\n",
             "app/engine.py": "class Engine:\n    def start(self):\n        pass\n"}
    tracked = make_repo(tmp_path, files)
    ranked = [r.path for r in relevant(tmp_path, "Make Engine.start idempotent.", "python",
                                       tracked)]
    assert ranked[0] == "app/engine.py" and ranked[-1] != "app/engine.py"
    named = relevant(tmp_path, "`test_start` fails: Engine.start raises.", "python", tracked)
    assert "a test file" not in {r.path: r for r in named}["tests/test_engine.py"].reasons


def test_the_innermost_frame_and_dotted_owners_lead(tmp_path: Path) -> None:
    tracked = make_repo(tmp_path, {
        "tpl/css/css.go": "package css\n\nfunc Build() {}\n",
        "internal/js/build.go": "package js\n\nfunc Build() {}\n",
        "cmd/run.go": "package cmd\n\nfunc run() {}\n",
        "cmd/main.go": "package cmd\n\nfunc main() {}\n",
    })
    ranked = relevant(tmp_path, "`css.Build` fails.", "go", tracked)
    assert ranked[0].path == "tpl/css/css.go"
    trace = ("panic: boom\ngoroutine 1 [running]:\nx/cmd.run()\n\tx/cmd/run.go:3 +0x1\n"
             "x/cmd.main()\n\tx/cmd/main.go:3 +0x1\n")
    ranked = relevant(tmp_path, trace, "go", tracked)
    assert [r.path for r in ranked[:2]] == ["cmd/run.go", "cmd/main.go"]
    assert "innermost stack frame" in ranked[0].reasons


def test_longer_words_are_found_inside_identifiers(tmp_path: Path) -> None:
    tracked = make_repo(tmp_path, {
        "dom/von.ts": "export const withModifiers = (fn, modifiers) => fn\n",
        "dom/other.ts": "export const x = 1\n",
    })
    ranked = relevant(tmp_path, "An event modifier breaks the handler.", "typescript", tracked)
    assert [r.path for r in ranked] == ["dom/von.ts"]
