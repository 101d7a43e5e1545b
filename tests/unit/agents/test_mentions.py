"""claude reads every @path in its input: the guard refuses what must not be sent."""

from __future__ import annotations

from helpers import make_repo

from twostep.agents.mentions import mentions, scan


def test_mention_syntax_mirrors_claude():
    assert mentions("see @src/a.py and @\"docs/my file.md\" now") == ["docs/my file.md", "src/a.py"]
    assert mentions("mail dev@example.com, import '@angular/core'") == []
    assert mentions("look at @pkg/a.go#L10-20.") == ["pkg/a.go"]
    assert mentions("@property\ndef x(self): ...") == ["property"]


def test_scan_refuses_outside_untracked_ignored_and_git(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("s\n")
    repo = make_repo(tmp_path / "repo", {"src/a.py": "x = 1\n", ".gitignore": ".env\n"})
    (repo / ".env").write_text("KEY=1\n")
    (repo / "notes.txt").write_text("untracked\n")
    plan = repo / "plan.md"
    plan.write_text(f"Read @src/a.py and @src.\nAlso @{outside} and @../secret.txt\n"
                    "and @.env and @notes.txt and @.git/config and @nothing/here.py\n")
    found = {(m.line, m.text, m.reason) for m in scan(repo, [plan])}
    assert found == {
        (2, str(outside), "outside the repository"),
        (2, "../secret.txt", "outside the repository"),
        (3, ".env", "not a tracked file (untracked or ignored)"),
        (3, "notes.txt", "not a tracked file (untracked or ignored)"),
        (3, ".git/config", "inside .git/"),
    }


def test_symlink_out_of_the_repository_is_refused(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("s\n")
    repo = make_repo(tmp_path / "repo", {"a.py": "1\n"})
    (repo / "link.txt").symlink_to(outside)
    plan = repo / "plan.md"
    plan.write_text("see @link.txt\n")
    assert [m.reason for m in scan(repo, [plan])] == ["outside the repository"]
