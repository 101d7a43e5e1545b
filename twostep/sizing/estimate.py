"""Estimate the o200k token band of a repomix pack without running repomix.

Assumed pack: `repomix . <pipeline.packstep.TREE_PACK_FLAGS> -o OUT` (xml) in a tree holding exactly
the selected tracked files as they are in the work tree (pipeline.build.pack_steps). What
repomix 1.18.1 then leaves out (core/file/fileRead.js, core/packager.js), we leave out too:
  * symlinks (globby, followSymbolicLinks:false): not even in the directory tree;
  * binary extensions (is-binary-path), files over 50 MiB, content with a NUL and no BOM;
  * files secretlint flags. We cannot run secretlint: git grep + each rule's regex mark candidates.
Secret candidates and non-UTF-8 files (repomix guesses their encoding) count towards `high` only.

The band comes from byte counts alone: tokens ≤ UTF-8 bytes (exact: every o200k token is at
least one byte) and ≥ bytes / MAX_BYTES_PER_TOKEN (calibrated), narrower for the common source
types (tokens.BAND_BYTES_PER_TOKEN, calibrated per file on the issue corpus). Python does not
tokenize: when a threshold lies inside the band, strategy.decide() returns None and measure.py
has repomix pack the selection and reads its own count (that pack is cached for the run). See
scripts/calibrate_estimate.py.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from twostep.sizing.tokens import (
    BAND_BYTES_PER_TOKEN,
    BAND_MIN_BYTES,
    MAX_BYTES_PER_TOKEN,
    tokens_of,
)
from twostep.tools import git as gitrepo

# binary-extensions 3.2.0 (used via is-binary-path by repomix 1.18.1); the lookup lowercases the
# extension, so "DS_Store" never matches – kept verbatim to mirror upstream exactly.
BINARY_EXTENSIONS = frozenset("""
3dm 3ds 3g2 3gp 7z a aac adp afdesign afphoto afpub ai aif aiff alz ape apk appimage ar arj asf
au avi bak baml bh bin bk bmp btif bz2 bzip2 cab caf cgm class cmx cpio cr2 cr3 cur dat dcm dds
deb dex djvu dll dmg dng doc docm docx dot dotm dra DS_Store dsk dts dtshd dvb dwg dxf dylib
ecelp4800 ecelp7470 ecelp9600 egg eol eot epub exe f4v fbs fh fla flac flatpak fli flv fpx fst
fvt g3 gh gif graffle gz gzip h261 h263 h264 icns ico ief img ipa iso jar jpeg jpg jpgv jpm jxr
key ktx lha lib lvp lz lzh lzma lzo m3u m4a m4v mar mdi mht mid midi mj2 mka mkv mmr mng mobi
mov movie mp3 mp4 mp4a mpeg mpg mpga msi msp mxu nef npx numbers nupkg o odp ods odt oga ogg ogv
otf ott p12 pages pbm pcx pdb pdf pea pfx pgm pic png pnm pot potm potx ppa ppam ppm pps ppsm
ppsx ppt pptm pptx psd pya pyc pyo pyv qt rar ras raw resources rgb rip rlc rmf rmvb rpm rtf rz
s3m s7z scpt sgi shar snap sil sketch slk smv snk so sqlite sqlite3 stl suo sub swf tar tbz tbz2
tga tgz thmx tif tiff tlz ttc ttf txz udf uvh uvi uvm uvp uvs uvu viv vob war wasm wav wax wbmp
wdp weba webm webp whl wim wm wma wmv wmx woff woff2 wrm wvx xbm xif xla xlam xls xlsb xlsm xlsx
xlt xltm xltx xm xmind xpi xpm xwd xz z zip zipx
""".split())
MAX_FILE_SIZE = 50 * 1024 * 1024  # repomix input.maxFileSize default

# A superset of what secretlint-rule-preset-recommend 13.x (repomix's security check) can flag.
# `git grep -F -o` finds each rule's literals; Python then runs that rule's regex (loosened: no
# look-arounds) on the files where they occur. Other files are never rescanned.
_SECRET_RULES = (
    ("A3T AKIA AGPA AIDA AROA AIPA ANPA ANVA ASIA",
     r"(?:A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{16}"),
    ("ccount CCOUNT", r"(?:ACCOUNT|account|Account)_?(?:ID|id|Id)?[\"']?\s*(?::|=>|=)\s*[\"']?"
                      r"\d{4}-?\d{4}-?\d{4}"),  # AWS account id
    ("npm_", r"npm_[A-Za-z0-9_]{36}"),
    ("_authToken= x-oauth-basic T3BlbkFJ", ""),  # the literal is enough (npm, GitHub, OpenAI)
    ("PRIVATE~KEY", r"BEGIN\s?(?:(?:DSA|RSA|EC|PGP|OPENSSH)\s?)?PRIVATE KEY"),  # PEM keys, GCP JSON
    ("xoxb- xoxp- xapp- xoxa- xoxo- xoxr-", r"xo?[xa][bpasor]p?-(?:\d-)?(?:[a-zA-Z0-9]{1,40}-)+\w"),
    ("sk-ant-api0", r"sk-ant-api0\d-[A-Za-z0-9_-]{90}"),
    ("gsk_", r"gsk_[a-zA-Z0-9]{52}"),
    ("hf_", r"hf_[a-zA-Z]{34}"),
    ("lin_api_", r"lin_api_\w{32}"),
    ("ntn_", r"ntn_[0-9]{11}[A-Za-z0-9]{35}"),
    ("SG.", r"SG\.\w+\.\w"),
    ("shppa_ shpca_ shpat_ shpss_", r"shp(?:pa|ca|at|ss)_[a-zA-Z0-9]{32}"),
    ("sk_live_ sk_test_ rk_live_ rk_test_", r"[sr]k_(?:live|test)_[a-zA-Z0-9]{24}"),
    ("ghp_ gho_ ghu_ ghs_ ghr_ github_pat_", r"gh[pousr]_\w{36}|github_pat_\w{82}|ghs_\d+_"),
    ("glpat-", r"glpat-[\w-]{20}"),
    ("glc_ glsa_", r"glc_[A-Za-z0-9+/]{32}|glsa_[A-Za-z0-9]{32}_"),
    ("ops_ey", r"ops_ey[A-Za-z0-9+/=]{100}"),
    ("hvs. hvb. hvr.", r"hv[sbr]\.[\w-]{90}"),
    ("vcp_ vci_ vca_ vcr_ vck_", r"vc[piark]_[A-Za-z0-9]{20}"),
    ("dapi", r"dapi[A-Fa-f0-9]{32}"),
    ("dckr_pat_", r"dckr_pat_[\w-]{27}"),
    ("figd_", r"figd_[\w-]{40}"),
    ("cfk_ cfut_ cfat_", r"(?:cfk|cfut|cfat)_[A-Za-z0-9]{40}"),
    ("tskey-", r"tskey-[a-z]{2,20}-"),
)
_SECRET_BY_LITERAL = {lit.replace("~", " "): re.compile(rx) if rx else None
                      for lits, rx in _SECRET_RULES for lit in lits.split()}
# Rules git grep can take whole, as their regex starts with a literal (glibc's ERE is slow
# otherwise): credentials in a URL (basic auth, mongodb, mysql, postgres), AWS secret keys; and
# Slack webhooks, the only rule secretlint matches case-insensitively.
_SECRET_ERE = (r"://[^:/[:space:]]+:[^@/[:space:]]+@",
               r"(SECRET|secret|Secret)_?(ACCESS|access|Access)_?(KEY|key|Key)")
_SECRET_NOCASE = ("hooks.slack.com",)
_MODES = {"120000": "a symlink, which repomix does not follow", "160000": "a submodule"}

# file_summary + section wrappers, measured with repomix under TREE_PACK_FLAGS (without
# --no-git-sort-by-changes a note adds 18); the script's "one file" row checks both numbers.
HEADER_TOKENS = 314
HEADER_SLACK = 8
# JavaScript's \s (repomix trims each file with String.prototype.trim); Python's differs slightly.
_JS_WS_CHARS = "\t\n\x0b\x0c\r \xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + \
    "\u2028\u2029\u202f\u205f\u3000\ufeff"


@dataclass(frozen=True)
class Estimate:
    tokens: int
    low: int
    high: int
    files: int
    bytes: int
    by_dir: tuple[tuple[str, int], ...]
    #: Files repomix leaves out for sure, with why (symlinks, submodules, binaries, ...), and
    #: those its secret scan may drop (a superset: each rule's literal, then its regex).
    unpacked: tuple[tuple[str, str], ...] = ()
    secret: tuple[str, ...] = ()


@dataclass
class _File:
    path: str
    packs: bool           # False when repomix skips the file for sure
    size: int             # UTF-8 bytes of the stripped text (the text itself is not kept:
                          # memory must stay flat however large the codebase)
    raw: int = 0          # bytes on disk
    certain: bool = True  # False: repomix may drop it or decode it otherwise (not UTF-8)
    secret: bool = False  # secretlint may flag it: likely dropped, so out of the point estimate
    tokens: int = 0       # point estimate of the content tokens
    skipped: str = ""     # why repomix skips it, when it does


def estimate(repo_root: Path, pathspecs: Sequence[str]) -> Estimate:
    """Token band of the pack of `pathspecs` (git pathspecs; empty means every tracked file).

    When a strategy threshold lies inside the band, strategy.decide() defers and the caller
    counts exactly with repomix.
    """
    root = Path(repo_root)
    entries = gitrepo.index(root, tuple(pathspecs))
    paths = [e.path for e in entries if e.mode in ("100644", "100755")]
    others = [(e.path, _MODES.get(e.mode, "not a regular file")) for e in entries
              if e.mode not in ("100644", "100755")]
    grep = _start_secret_grep(root, pathspecs)
    files = [_read(str(root), p) for p in paths]
    packed = [f for f in files if f.packs]
    candidates = _secret_candidates(grep, packed, str(root))
    blind = _grep_skips(root, [f.path for f in packed])
    for f in packed:
        f.secret = candidates is None or f.path in candidates
        f.certain = f.certain and f.path not in blind
        f.tokens = tokens_of(f.path, f.size)
    low, high = _byte_band(packed, paths)
    # The point estimate only feeds reports (tokens, by_dir); decisions use [low, high].
    point = HEADER_TOKENS + sum(f.tokens + 10 + len(f.path) // 4 for f in packed if not f.secret)
    point += sum(len(p) // 4 for p in paths)  # the directory tree lists every path
    unpacked = others + [(f.path, f.skipped) for f in files if not f.packs]
    return replace(_result(packed, min(max(point, low), high), low, high),
                   unpacked=tuple(sorted(unpacked)),
                   secret=tuple(sorted(f.path for f in packed if f.secret)))


def _read(root: str, path: str) -> _File:
    """Mirror repomix's readRawFile: which files get packed and with what text."""
    if os.path.splitext(path)[1][1:].lower() in BINARY_EXTENSIONS:
        return _File(path, False, 0, skipped="a binary file (by its extension)")
    try:
        full = os.path.join(root, path)  # not pathlib: this loop runs for every tracked file
        st = os.lstat(full)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_FILE_SIZE:
            return _File(path, False, 0, skipped="not a regular file, or over 50 MiB")
        with open(full, "rb") as fh:
            data = fh.read()
    except OSError:
        return _File(path, False, 0, skipped="deleted since it was tracked")
    bom = data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:3] == b"\xef\xbb\xbf"
    if b"\0" in data and not bom:
        return _File(path, False, 0, skipped="binary content")
    try:
        text = data.decode("utf-8-sig")
        certain = "\0" not in text
    except UnicodeDecodeError:  # repomix guesses the encoding (jschardet) or drops the file
        text = data.decode("utf-16" if bom else "latin-1", errors="replace")
        certain = False
    text = text.strip(_JS_WS_CHARS)
    return _File(path, True, len(text.encode("utf-8", errors="replace")), len(data), certain)


def _text(root: str, path: str) -> str:
    """Re-read one file's text, for the few files a secret rule must look into."""
    try:
        with open(os.path.join(root, path), "rb") as fh:
            return fh.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def _start_secret_grep(root: Path, pathspecs: Sequence[str]) -> list[subprocess.Popen]:
    def grep(*args: str, pats: Sequence[str]) -> list[str]:
        return ["git", "grep", "-z", "-I", "--no-color", *args,
                *(a for p in pats for a in ("-e", p)), "--", *pathspecs]
    # These run while Python reads the files; git grep is multi-threaded C.
    cmds = (grep("-F", "-o", pats=list(_SECRET_BY_LITERAL)), grep("-l", "-E", pats=_SECRET_ERE),
            grep("-l", "-F", "-i", pats=_SECRET_NOCASE))
    return [subprocess.Popen(c, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            for c in cmds]


def _secret_candidates(procs: list[subprocess.Popen], files: list[_File],
                       root: str) -> set[str] | None:
    """Paths secretlint might flag; None (= all) if git grep failed."""
    outs = []
    for p in procs:
        out, _ = p.communicate()
        if p.returncode not in (0, 1):  # 1 means "no match"
            return None
        outs.append(out)
    found = {p for out in outs[1:] for p in gitrepo.split_z(out)}
    hits: dict[str, set[str]] = defaultdict(set)  # -o prints "path\0literal\n" per match
    for line in outs[0].splitlines():
        path, _, lit = line.partition(b"\0")
        hits[os.fsdecode(path)].add(lit.decode())
    for f in files:
        rules = {_SECRET_BY_LITERAL.get(lit, 0) for lit in hits.get(f.path, ())}
        if rules and any(r is None or isinstance(r, int) or r.search(_text(root, f.path))
                         for r in rules):
            found.add(f.path)  # 0: a literal we did not ask for (cannot happen); stay safe
    return found


def _grep_skips(root: Path, paths: list[str]) -> set[str]:
    """Text files git grep -I skips anyway because .gitattributes calls them binary (`-diff`,
    `binary`): the secret scan is blind to them, so they stay uncertain. A named diff driver
    (`*.py diff=python`) keeps a file textual: git grep still reads it."""
    out = gitrepo.git("check-attr", "-z", "--stdin", "diff", cwd=root,
                      input=gitrepo.join_z(paths)).split(b"\0")
    return {os.fsdecode(out[i]) for i in range(0, len(out) - 2, 3) if out[i + 2] == b"unset"}


def _byte_band(packed: list[_File], paths: list[str]) -> tuple[int, int]:
    """Cheap band: tokens ≤ UTF-8 bytes always; tokens ≥ bytes / MAX_BYTES_PER_TOKEN in practice.

    The wrapper adds the header, one tree line per path and a <file> tag per packed file; a tag
    is ≥ 9 tokens and a tree line ≥ 1, and neither exceeds its byte length.
    """
    sure = [f for f in packed if f.certain and not f.secret]
    low = HEADER_TOKENS - HEADER_SLACK + len(paths) + sum(
        int(f.size / _band(f)[1]) + 9 for f in sure)
    # each tree line is indent + name + "\n"; charging every path its full length twice also
    # pays for the directory lines above it
    tree_bytes = sum(2 * len(p.encode()) + 4 * p.count("/") + 2 for p in paths)
    high = HEADER_TOKENS + HEADER_SLACK + tree_bytes + sum(
        _ceiling(f) + len(f.path) + 30 for f in packed)
    return low, high


def _band(f: _File) -> tuple[float, float]:
    """(fewest, most) bytes per token of a file: calibrated for the common source types from
    BAND_MIN_BYTES on; otherwise 1 (exact: every token is at least a byte) and the floor."""
    if f.certain and f.size >= BAND_MIN_BYTES:
        return BAND_BYTES_PER_TOKEN.get(os.path.splitext(f.path)[1], (1.0, MAX_BYTES_PER_TOKEN))
    return 1.0, MAX_BYTES_PER_TOKEN


def _ceiling(f: _File) -> int:
    """tokens ≤ UTF-8 bytes; decoded in another encoding, a raw byte yields ≤ 3 UTF-8 bytes."""
    return int(f.size / _band(f)[0]) + 1 if f.certain else max(f.size, 3 * f.raw)


def _result(packed: list[_File], point: int, low: int, high: int) -> Estimate:
    kept = [f for f in packed if not f.secret]  # what repomix most likely packs
    return Estimate(tokens=int(point), low=int(low), high=int(high), files=len(kept),
                    bytes=sum(f.size for f in kept), by_dir=_by_dir(kept))


def _by_dir(packed: list[_File], big_share: float = 0.25) -> tuple[tuple[str, int], ...]:
    """Content tokens per top-level directory ("." = files at the root), largest first; a
    directory holding ≥ big_share of the total is also broken down one level ("dir/*" = its
    files)."""
    top: dict[str, int] = defaultdict(int)
    second: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for f in packed:
        parts = f.path.split("/")
        head = parts[0] if len(parts) > 1 else "."
        top[head] += f.tokens
        if len(parts) > 1:
            second[head][f"{head}/{parts[1]}" if len(parts) > 2 else f"{head}/*"] += f.tokens
    total = sum(top.values()) or 1
    rows = dict(top)
    for head, subs in second.items():
        if top[head] >= big_share * total and len(subs) > 1:
            rows.update(subs)
    return tuple(sorted(rows.items(), key=lambda kv: (-kv[1], kv[0])))
