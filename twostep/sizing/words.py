"""What in an issue says nothing about which file it concerns (sizing/terms.py): stop words,
an issue template's questions and version reports, opaque tokens; and the file extensions."""

from __future__ import annotations

import re

_TEMPLATE = re.compile(r"^[ \t]*(?:#+|\*\*)[^\n]*\?[ \t*]*$", re.M)
_VERSION = re.compile(r"^[ \t>*-]*(?:[^\s`]+[ \t:]+){0,3}v?\d+\.\d+\.\d+\S*[^`\n]{0,80}$", re.M)
_OPAQUE = re.compile(r"(?<![\w/.])[A-Za-z0-9+=_-]{30,}(?![\w/.])|\b(?=[a-f]*\d)(?=\d*[a-f])"
                     r"[0-9a-f]{7,40}\b")


def without_boilerplate(text: str) -> str:
    """An issue template's questions (`### What version of X are you using?`) and version
    reports (`hugo v0.160.0+extended linux/amd64`) removed."""
    return _VERSION.sub("", _TEMPLATE.sub("", text))


def without_opaque(text: str) -> str:
    """Base64 and hashes removed; a long snake_case name stays."""
    def opaque(m: re.Match[str]) -> str:
        token = m.group(0)
        mixed = re.search(r"[a-z]", token) and re.search(r"[A-Z0-9]", token) and "_" not in token
        return " " if mixed or len(token) <= 40 else token
    return _OPAQUE.sub(opaque, text)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Extensions that make a dotted token a file name (`decoder.py`) rather than a dotted name.
EXTENSIONS = _words(
    "py pyi go mod ts tsx js jsx mjs cjs vue json md rst txt toml cfg ini yaml yml c h cc cpp hpp "
    "rs java kt rb php sh bash html css scss sql proto xml lock")

#: English stop words, the words every spec uses, those of issue templates, and the keywords
#: and builtin types of common languages (a code block is full of them).
STOP_WORDS = _words("""
a about above after again against all also am an and any are aren as at be because been before
being below between both but by can cannot could did didn do does doesn doing don down during each
either else etc even ever every few for from further had has hasn have haven having he her here
hers herself him himself his how however i if in into is isn it its itself just least less let like
ll may me might more most much must mustn my myself neither no nor not now of off often on once only
or other others otherwise our ours ourselves out over own per rather same shall she should shouldn
since so some such than that the their theirs them themselves then there these they this those
though through thus to too under until up upon us very via was wasn we were weren what when where
whether which while who whom whose why will with within without won would wouldn yet you your yours
yourself yourselves
add adds added adding allow allows allowed already always another anything around available avoid
based become becomes behave behaves behaviour behavior better call called calls calling case cases
change changes changed code correct correctly currently default does done ensure ensures error
errors example existing expected fail fails failing feature file files fix fixes fixed following
function functions get gets give given gives implement instead keep keeps kind lets make makes
making method methods module modules need needs new now old one ones option optional options part
possible properly raise raises rather return returns returned right same see set sets should show
shows small something still support supports supported take takes test tests that thing things
two use used uses using value way ways well work works wrong
actual actually additional bug bugs command configuration demo description details environment
hello hi info issue issues latest link minimal output outputs please release report reproduce
reproduced reproduction reproducible result results snippet step steps system thank thanks
tried version versions whereas yes
""") | _words("""
and as assert async await bool break byte case catch char class const continue def default defer
del dict elif else enum except export extends false final finally float fn for from func function
go if impl import in int interface is lambda let list match nil none nonlocal not null number
object or package pass print pub raise range return self static str string struct super switch
this throw true try tuple type typeof uint var void while with yield
""")
