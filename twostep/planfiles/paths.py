"""What a single token from a plan looks like as a path: cleaning, shapes and lexical refusals.

Pure string logic. The markdown scanner (planscan) cuts the plan into tokens; this module decides
what each token could mean as a repository path, without looking at the repository.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

#: Extensions worth reporting when a mention of them does not resolve. Resolution itself does not
#: use this list (the repository decides what exists); it only keeps prose such as "e.g." or
#: "fmt.Println" out of the "unresolved" report.
KNOWN_EXTS = frozenset("""
    astro bash bat bazel bzl c cc cfg cjs clj cmake conf cpp cs css csv cts cxx d dart diff
    dockerfile el elm env erb erl ex exs fs gif go gql gradle graphql groovy h haml hbs hcl hh hpp
    hs htm html http ico ini ipynb j2 java jinja jinja2 jpeg jpg jl js json json5 jsonc jsx kt
    kts less lock log lua m md mdx mjs mk ml mm mod mts nim nix patch php pl pm png prisma
    properties proto ps1 pxd py pyi pyx r rake rb rego rs rst sass scala scss sh snap sol sql
    sum svelte svg swift tf tfvars tmpl toml tpl ts tsv tsx twig txt vim vue wasm xml yaml yml
    zig zsh out bin dat db sqlite pem key crt cert p12 pfx gz zip tar tgz jar pb bak orig tmp
""".split())

#: Conventional file names without an extension. Those in PROSE_NAMES count as bare words even in
#: plain prose; the others ("BUILD", "NOTICE", "VERSION" are also English) only in code spans.
PROSE_NAMES = frozenset("""
    AUTHORS CHANGELOG CODEOWNERS CONTRIBUTING CONTRIBUTORS COPYING LICENCE LICENSE MAINTAINERS
    README SECURITY GNUmakefile makefile justfile
""".split())
KNOWN_NAMES = PROSE_NAMES | frozenset("BUILD NOTICE OWNERS VERSION WORKSPACE".split())
#: "Update the README" means the root README.md (or .rst, .txt): these may omit the extension.
DOC_STEMS = frozenset("README CHANGELOG CONTRIBUTING LICENSE LICENCE SECURITY AUTHORS".split())
_NAME_FILE = re.compile(r"^[A-Z][a-z]*file$")  # Makefile, Dockerfile, Jenkinsfile, Procfile...
#: Written in lower case in prose ("the dockerfile") but meaning the capitalised file.
CASELESS_NAMES = frozenset("""
    brewfile caddyfile containerfile dockerfile earthfile gemfile jenkinsfile justfile makefile
    podfile procfile rakefile snakefile tiltfile vagrantfile
""".split())

#: Top-level domains that mark a first path component as a host (a URL or module path without a
#: scheme: github.com/acme/x/pkg/y.go, go.opentelemetry.io/otel, rxjs.dev/api/...).
_TLDS = frozenset("""
    ai app at au be biz br ca cc ch cl cloud cn co com cz de dev dk edu ee es eu fi fm fr gg gov
    gr hk hr hu ie il in info io is it jp kr li lt lu lv ly me mt mx net nl no nz org page pl pt
    ro rs ru se sg si site sk so sh tech to tr tv tw ua uk us ws xyz za
""".split())
_HOST = re.compile(r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)+$")
# file:// is left out on purpose: it names a local path, which is refused and reported.
URL_RE = re.compile(r"(?i)\b(?:(?!file:)[a-z][a-z0-9+.-]*://|www\.|mailto:)[^\s<>`\"']*")
_ENV_VAR = re.compile(r"^(\$\{?[A-Z_][A-Z0-9_]*\}?|%[A-Za-z_]+%)$")
_ALIAS = re.compile(r"^\$[a-z][\w-]*$")  # $lib in SvelteKit, not an environment variable
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
_LOCATION = re.compile(r"[:#]")
#: Absolute paths under these roots are worth a "refused" line even in prose; other absolute
#: tokens are usually HTTP routes ("/api/v2/users") and would only be noise.
_SYSTEM_ROOTS = ("/etc/", "/root/", "/home/", "/Users/", "/var/", "/usr/", "/opt/", "/proc/",
                 "/sys/", "/dev/", "/tmp/", "/private/", "/mnt/", "/srv/", "/bin/", "/lib/")
_TRAIL = ".,;:!?…，。；：！？、"
_QUOTES = "\"'`“”‘’«»「」"
_PAIRS = {"(": ")", "[": "]", "{": "}", "<": ">", "（": "）"}


def is_url(token: str) -> bool:
    return bool(URL_RE.match(token.strip("<>()[]\"'`")))


def is_host(component: str) -> bool:
    """Whether a first path component is a host name rather than a directory."""
    return bool(_HOST.match(component)) and component.rsplit(".", 1)[1] in _TLDS


def alias_of(path: str) -> str | None:
    """`$lib/x.ts` -> `lib/x.ts`, `@/x.vue` -> `x.vue`: bundler aliases to look up by suffix."""
    head, sep, rest = path.partition("/")
    if not sep or not rest:
        return None
    if _ALIAS.match(head):
        return head[1:] + "/" + rest
    return rest if head == "@" else None


def is_known_name(base: str, *, prose: bool = False) -> bool:
    names = PROSE_NAMES if prose else KNOWN_NAMES
    return base in names or bool(_NAME_FILE.match(base)) or base.lower() in CASELESS_NAMES


def ext_of(base: str) -> str:
    stem, dot, ext = base.rpartition(".")
    return ext.lower() if dot and stem.strip(".") else ""


def is_dotfile(base: str) -> bool:
    """`.env`, `.golangci.yml`, `.npmrc`; not a bare extension like `.go` ("all `.go` files")."""
    rest = base[1:]
    if not base.startswith(".") or not rest or (rest.lower() in KNOWN_EXTS and rest != "env"):
        return False
    return rest.replace("-", "").replace("_", "").replace(".", "").isalnum()


def file_shaped(path: str) -> bool:
    """Whether a path names a file the way plans name files (so not resolving it is worth a
    report)."""
    base = path.rstrip("/").rsplit("/", 1)[-1]
    if path.endswith("/") or not base:
        return False
    return ext_of(base) in KNOWN_EXTS or is_known_name(base) or is_dotfile(base)


def is_glob(path: str) -> bool:
    return "*" in path or "?" in path


def expand_braces(token: str) -> list[str]:
    """`a/{b,c}.go` -> [a/b.go, a/c.go]; braces without a comma ({id}, {6}) are left alone."""
    m = re.search(r"\{([^{}]*,[^{}]*)\}", token)
    if not m:
        return [token]
    out: list[str] = []
    for part in m.group(1).split(","):
        out.extend(expand_braces(token[: m.start()] + part.strip() + token[m.end():]))
    return out


def refusal(path: str) -> str | None:
    """The lexical reason a path can never be selected (before looking at the repository)."""
    if path.lower().startswith("file:"):
        return "file URL (outside the repository)"
    if path.startswith(("/", "\\")) or _DRIVE.match(path):
        return "absolute path (outside the repository)"
    if path == "~" or re.match(r"^~[\w.-]*[/\\]", path):
        return "home directory (outside the repository)"
    parts = re.split(r"[/\\]", path)
    if len(parts) > 1 and _ENV_VAR.match(parts[0]):
        return "environment variable (outside the repository)"
    if ".." in parts:
        return "'..' leaves the repository"
    if ".git" in parts:
        return "inside .git/"
    return None


def refusal_worth_reporting(path: str, kind: str) -> bool:
    """Absolute tokens in prose are often HTTP routes ("/api/v2/users") and `../x` in code blocks
    relative imports; report those only when they look like files. Trusted kinds always report."""
    if kind in ("section", "link", "tree"):
        return True
    if path.startswith("/"):
        harmless = path.startswith("/dev/") or path.rstrip("/") == "/tmp"  # > /dev/null, cd /tmp
        return not harmless and (path.startswith(_SYSTEM_ROOTS) or file_shaped(path))
    if kind == "block":
        return file_shaped(path) or path.startswith("~/")
    return True


def clean(token: str) -> str:
    """Strip what surrounds a path in prose: emphasis, quotes, brackets, trailing punctuation,
    `./`. (markdown-it has taken the backslash escapes off prose: http\\_server.)"""
    prev = None
    while token != prev:
        prev = token
        token = token.strip().strip(_QUOTES)
        token = _strip_emphasis(token).rstrip(_TRAIL)
        if token.endswith("*") and token.count("*") == 1 and not token.endswith("/*"):
            token = token[:-1]  # a footnote mark: "internal/x.go*"
        token = _strip_brackets(token)
        token = re.sub(r"(?<=\w)['’]s$", "", token)  # possessive: "tox.ini's", "Makefile's"
        while token.startswith(("./", ".\\")):
            token = token[2:]
    return token


def _strip_emphasis(token: str) -> str:
    for mark in ("**", "~~", "*"):
        if token.startswith(mark) and token.endswith(mark) and len(token) > 2 * len(mark):
            return token[len(mark): -len(mark)]
    return token


def _strip_brackets(token: str) -> str:
    """Drop an outer pair or an unmatched bracket; keep balanced ones: (marketing)/x, [slug]/x."""
    if not token:
        return token
    first, last = token[0], token[-1]
    if first in _PAIRS and last == _PAIRS[first] and _balanced(token[1:-1]):
        return token[1:-1]
    if first in _PAIRS and not _balanced(token):
        return token[1:]
    if last in _PAIRS.values() and not _balanced(token):
        return token[:-1]
    return token


def _balanced(text: str) -> bool:
    return all(text.count(o) == text.count(c) for o, c in _PAIRS.items())


def variants(token: str, *, link: bool = False, diff: bool = False) -> tuple[list[str], str]:
    """The readings of a cleaned token, most literal first, and the one to report it by.

    A file name rarely holds ':' or '#', but try the literal token first; then without `:LINE`,
    `:Symbol`, `::test_name` or `#L10-L20`. Links may be percent-encoded and carry `?plain=1`.
    """
    out = [token]
    if link:
        token = unquote(token.split("?", 1)[0])
        out.append(token)
    m = _LOCATION.search(token, 1)
    if m:
        token = clean(token[: m.start()])
        out.append(token)
    if "\\" in token and "/" not in token:
        token = token.replace("\\", "/")
        out.append(token)
    if diff:
        out += [v[2:] for v in list(out) if v.startswith(("a/", "b/"))]
    if len(token) > 2 and token[0] == token[-1] == "_" and token[1] != "_":
        out.append(token[1:-1])  # _italic_ (never __init__.py: that one starts with two)
    return list(dict.fromkeys(v for v in out if v)), token


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """gitignore-like globs: `**/` any directories, `*` within a component; no slash = basename."""
    pattern = pattern.lstrip("/") if "/" in pattern.rstrip("/") else "**/" + pattern
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")
