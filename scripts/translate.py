"""Fill Simplified Chinese translations into the shared catalogue, safely from several shells.

    .venv/bin/python scripts/translate.py new-strings.json

The JSON maps each English msgid to its Chinese msgstr (for plurals, a list: [singular, plural]
-> a list of msgstr). Under an exclusive lock it runs makemessages, fills the given strings,
clears their fuzzy flags and compiles the catalogue. It prints any msgid still untranslated,
so `tests/test_translations.py` will not be a surprise. polib writes the file; msgcat puts
back gettext's line wrapping, so the diff shows only real changes.
"""

import fcntl
import json
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"
LOCK = Path("/tmp/redress-translations.lock")
IGNORED = [".venv", "var", "tests", "bench", "node_modules"]


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True, capture_output=True)


def fill(translations: dict) -> list[str]:
    catalogue = polib.pofile(str(CATALOGUE), wrapwidth=0)
    for entry in catalogue:
        wanted = translations.get(entry.msgid)
        if wanted is None:
            continue
        if entry.msgid_plural:
            forms = wanted if isinstance(wanted, list) else [wanted]
            entry.msgstr_plural = {0: forms[0]}
        else:
            entry.msgstr = wanted
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
    catalogue.save()
    return [e.msgid for e in catalogue.untranslated_entries() + catalogue.fuzzy_entries() if not e.obsolete]


def main() -> None:
    translations = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")) if len(sys.argv) > 1 else {}
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        manage("makemessages", "-l", "zh_Hans", *[f"--ignore={path}" for path in IGNORED])
        missing = fill(translations)
        subprocess.run(["msgcat", "-o", str(CATALOGUE), str(CATALOGUE)], check=True)  # gettext's own line wrapping
        manage("compilemessages", "-l", "zh_Hans", "--ignore=.venv")
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    sys.exit(1 if missing else 0)


if __name__ == "__main__":
    main()
