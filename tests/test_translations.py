"""The Simplified Chinese catalogue is complete, and the committed .mo matches the .po.
A string marked for translation in the code but never extracted into the catalogue fails
too: the tests at the bottom run makemessages over a copy of the project and compare.

Simplified Chinese is the default language, so every UI string needs a translation.
After adding or changing a translatable string, update the catalogue from /work/main
(gettext's msgfmt is needed only for this; tests and the demo use the committed .mo):

    apt-get install -y gettext        # if msgfmt is missing (apt-get update first)
    DEBUG=1 .venv/bin/python manage.py makemessages -l zh_Hans --no-location \
        --ignore=.venv --ignore=staticfiles --ignore=bench --ignore=tests
    # translate every new or "#, fuzzy" entry in locale/zh_Hans/LC_MESSAGES/django.po,
    # keep each %(name)s placeholder, fill msgstr[0] for plurals (nplurals=1), drop "fuzzy"
    msgfmt --check -o locale/zh_Hans/LC_MESSAGES/django.mo locale/zh_Hans/LC_MESSAGES/django.po
    DJANGO_ALLOW_ASYNC_UNSAFE=true .venv/bin/python -m pytest tests/test_translations.py -q

Commit both django.po and django.mo.
"""

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"

_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')
_PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|%%")


def _unquote(literal: str) -> str:
    """A PO string literal uses C escapes, which a Python string literal reads the same way."""
    return ast.literal_eval(literal)


def parse_po(path: Path) -> list[dict]:
    """Entries of a PO file, obsolete ("#~") ones left out.

    Each entry: msgctxt (or None), msgid, msgid_plural (or None), msgstr (a dict of index
    to string; a singular entry has index 0 only) and flags (a set)."""
    entries = []
    entry = None
    field = None

    def finish():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            finish()
            entry, field = None, None
            continue
        if line.startswith("#~"):
            continue
        if entry is None:
            entry = {"msgctxt": None, "msgid_plural": None, "msgstr": {}, "flags": set()}
        if line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(",") if f.strip())
            continue
        if line.startswith("#:"):  # where the string is used (makemessages without --no-location)
            entry.setdefault("references", []).extend(line[2:].split())
            continue
        if line.startswith("#"):
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, literal = match.groups()
            if keyword == "msgid" and "msgid" in entry:
                raise AssertionError(f"{path.name}:{number}: msgid without a blank line before it")
            if keyword.startswith("msgstr"):
                field = ("msgstr", int(index or 0))
                entry["msgstr"][field[1]] = _unquote(literal)
            else:
                field = keyword
                entry[keyword] = _unquote(literal)
        elif line.startswith('"') and field is not None:
            if isinstance(field, tuple):
                entry["msgstr"][field[1]] += _unquote(line)
            else:
                entry[field] += _unquote(line)
        else:
            raise AssertionError(f"{path.name}:{number}: cannot read {raw!r}")
    finish()
    return entries


def _label(entry: dict) -> str:
    return repr(entry["msgid"][:70])


def _placeholders(text: str) -> list[str]:
    return sorted(
        m.group(0) if m.group(1) is None else f"%({m.group(1)})"
        for m in _PLACEHOLDER.finditer(text)
    )


@pytest.fixture(scope="module")
def po_entries():
    assert PO_PATH.exists(), f"{PO_PATH} is missing"
    return parse_po(PO_PATH)


@pytest.fixture(scope="module")
def messages(po_entries):
    return [e for e in po_entries if e["msgid"] != ""]


def test_header_declares_chinese_plural_forms(po_entries):
    headers = [e for e in po_entries if e["msgid"] == "" and e["msgctxt"] is None]
    assert len(headers) == 1, "the .po has no header entry"
    header = headers[0]
    assert "fuzzy" not in header["flags"], "the .po header is still marked fuzzy"
    text = header["msgstr"][0]
    assert "Plural-Forms: nplurals=1; plural=0;" in text
    assert "charset=UTF-8" in text


def test_catalogue_is_not_empty(messages):
    assert len(messages) > 100


def test_no_fuzzy_entries(messages):
    fuzzy = [_label(e) for e in messages if "fuzzy" in e["flags"]]
    assert not fuzzy, f"{len(fuzzy)} fuzzy entr(y/ies) in django.po: {fuzzy}"


def test_every_entry_is_translated(messages):
    untranslated = []
    for e in messages:
        if e["msgid_plural"] is None:
            ok = e["msgstr"].get(0, "").strip() != ""
        else:
            # Chinese has one plural form; msgfmt would also take extra ones, but all must be filled.
            ok = 0 in e["msgstr"] and all(s.strip() for s in e["msgstr"].values())
        if not ok:
            untranslated.append(_label(e))
    assert not untranslated, (
        f"{len(untranslated)} untranslated entr(y/ies) in django.po: {untranslated}"
    )


def test_translations_keep_placeholders(messages):
    wrong = []
    for e in messages:
        if "python-format" not in e["flags"] and "%(" not in e["msgid"]:
            continue
        expected = _placeholders(e["msgid_plural"] or e["msgid"])
        for index, text in e["msgstr"].items():
            if _placeholders(text) != expected:
                wrong.append(f"{_label(e)}[{index}]: {_placeholders(text)} != {expected}")
    assert not wrong, "placeholders differ from the English:\n" + "\n".join(wrong)


def test_mo_matches_po(messages):
    """The committed .mo was compiled from the committed .po: same messages, same translations."""
    assert MO_PATH.exists(), (
        f"{MO_PATH} is missing; compile it with msgfmt (see the top of this file)"
    )
    with MO_PATH.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    from_mo = {key: value for key, value in catalog.items() if key != ""}

    from_po = {}
    for e in messages:
        msgid = e["msgid"] if e["msgctxt"] is None else f"{e['msgctxt']}\x04{e['msgid']}"
        if e["msgid_plural"] is None:
            from_po[msgid] = e["msgstr"].get(0, "")
        else:
            for index, text in e["msgstr"].items():
                from_po[(msgid, index)] = text

    stale = sorted(repr(k) for k in from_po.keys() - from_mo.keys())
    extra = sorted(repr(k) for k in from_mo.keys() - from_po.keys())
    changed = sorted(repr(k) for k in from_po.keys() & from_mo.keys() if from_po[k] != from_mo[k])
    assert not (stale or extra or changed), (
        "django.mo is older than django.po; recompile it with msgfmt (see the top of this file). "
        f"Missing from .mo: {stale[:10]}; only in .mo: {extra[:10]}; translated differently: {changed[:10]}"
    )


def test_django_serves_chinese_by_default():
    from django.conf import settings
    from django.utils import translation
    from django.utils.translation import gettext, ngettext

    assert settings.LANGUAGE_CODE == "zh-hans"
    with translation.override("zh-hans"):
        assert gettext("Sign out") == "退出"
        assert gettext("Grid worker") == "网格员"
        assert ngettext("%(n)s sub-area", "%(n)s sub-areas", 2) % {"n": 2} == "2 个下级区域"
    with translation.override("en"):
        assert gettext("Sign out") == "Sign out"


# --- Every translatable string of the code is in the catalogue -------------------------------
# makemessages runs over a copy of the project (so that nothing here is written to) whose
# locale/ starts empty: the catalogue it writes holds exactly the strings the code marks.

NOT_SCANNED = [".venv", "staticfiles", "bench", "tests"]  # as the Makefile's `messages`


def project_copy(destination: Path) -> Path:
    """The project's files that makemessages reads, with an empty locale/."""
    skipped = {".git", "var", "locale", "__pycache__", *NOT_SCANNED}
    shutil.copytree(ROOT, destination, ignore=lambda folder, names: skipped & set(names))
    (destination / "locale" / "zh_Hans").mkdir(parents=True)
    return destination


def extract_messages(project: Path) -> list[dict]:
    """The entries makemessages finds in `project`, with where each string is used."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "LOCALE_PATHS"}
    }
    env |= {"DEBUG": "1", "DJANGO_SETTINGS_MODULE": "governance.settings"}
    env["VAR_DIR"] = str(project / "var")
    ignores = [f"--ignore={name}" for name in NOT_SCANNED]
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", *ignores],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return [e for e in parse_po(project / PO_PATH.relative_to(ROOT)) if e["msgid"]]


def _key(entry: dict) -> tuple:
    return entry["msgctxt"], entry["msgid"], entry["msgid_plural"]


def missing_from(catalogue: list[dict], found: list[dict]) -> list[str]:
    """The strings of the code that the catalogue lacks, each with the files using it."""
    known = {_key(e) for e in catalogue}
    return [
        f"{e['msgid']!r} ({', '.join(e.get('references', []))})"
        for e in found
        if _key(e) not in known
    ]


@pytest.fixture(scope="module")
def code_messages(tmp_path_factory):
    return extract_messages(project_copy(tmp_path_factory.mktemp("messages") / "project"))


def test_every_translatable_string_of_the_code_is_in_the_catalogue(messages, code_messages):
    missing = missing_from(messages, code_messages)
    assert not missing, (
        f"{len(missing)} string(s) marked for translation are not in django.po; run "
        "`make messages` and translate them (see the top of this file):\n" + "\n".join(missing)
    )


def test_the_catalogue_holds_no_string_the_code_no_longer_uses(messages, code_messages):
    unused = missing_from(code_messages, messages)
    assert not unused, f"django.po has strings no code uses any more (`make messages`): {unused}"


def test_a_new_translatable_string_is_caught_naming_its_file(messages, tmp_path):
    project = project_copy(tmp_path / "project")
    (project / "grid" / "probe.py").write_text(
        "from django.utils.translation import gettext as _\n\n"
        'PROBE = _("A sentence nobody has translated yet")\n'
    )
    (project / "templates" / "probe.html").write_text(
        '{% load i18n %}\n<h1>{% translate "A heading nobody has translated yet" %}</h1>\n'
    )
    missing = missing_from(messages, extract_messages(project))
    assert sorted(missing) == [
        "'A heading nobody has translated yet' (templates/probe.html:2)",
        "'A sentence nobody has translated yet' (grid/probe.py:3)",
    ]
