#!/usr/bin/env bash
# Refresh the English translation catalog of the web app (Vietnamese is the source language).
#
#   scripts/i18n.sh            extract + update + compile (the usual run after adding strings)
#   scripts/i18n.sh extract    only   webapp/**.py + webapp/templates/**.html -> messages.pot
#   scripts/i18n.sh update     only   messages.pot -> en/LC_MESSAGES/messages.po (created if missing)
#   scripts/i18n.sh compile    only   messages.po  -> messages.mo (what Flask-Babel loads)
#
# The three steps are plain pybabel commands (see the functions below), with babel.cfg at the
# repository root telling which files are Python and which are Jinja templates. Strings are found
# in _(), gettext(), ngettext() and the lazy forms _l() / lazy_gettext().
#
# After "update", new strings have an empty msgstr and strings whose Vietnamese source changed
# slightly are marked "#, fuzzy" with the old translation as a guess: translate the empty ones,
# check the fuzzy ones and delete their "fuzzy" flag, then run "scripts/i18n.sh compile".
# tests/web/test_i18n.py fails while any entry is untranslated or fuzzy, or while the .mo is
# older than the .po. Keep %(name)s / {name} placeholders exactly as in the msgid. Commit the
# .pot, the .po and the .mo (Flask-Babel needs the compiled .mo at run time).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x .venv/bin/pybabel ]; then export PATH="$PWD/.venv/bin:$PATH"; fi

DIR=webapp/translations
POT=$DIR/messages.pot

extract() {
  # PYTHONPATH: babel.cfg names an extractor of this repository (tools/i18n_dicts.py).
  PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" pybabel extract -F babel.cfg -k _l -k lazy_gettext -c TRANSLATORS: --no-wrap \
    --ignore-dirs '.* ._ node_modules var test-artifacts' \
    --project petitions -o "$POT" .
}

update() {
  # --init-missing: the first run creates en/LC_MESSAGES/messages.po (pybabel init).
  # --ignore-obsolete: strings no longer in the source are dropped (git keeps their history).
  pybabel update -i "$POT" -d "$DIR" -l en --init-missing --ignore-obsolete --no-wrap
}

compile() {
  # Fails on placeholder mismatches between msgid and msgstr; fuzzy entries are not compiled.
  pybabel compile -d "$DIR" -l en --statistics
}

case "${1:-all}" in
  extract) extract ;;
  update) update ;;
  compile) compile ;;
  all) extract; update; compile ;;
  *) echo "usage: $0 [extract|update|compile]" >&2; exit 2 ;;
esac
