#!/usr/bin/env bash
# Browser tests drive Debian's chromium (/usr/bin/chromium) with Playwright. Install it when it
# is missing and we are root with apt-get; otherwise say so and carry on.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

[ -x "$CHROMIUM" ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: $CHROMIUM is missing; installing Debian's chromium package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium
    [ -x "$CHROMIUM" ] || { echo "ensure_chromium: error: $CHROMIUM still missing" >&2; exit 1; }
else
    echo "ensure_chromium: warning: $CHROMIUM is missing and cannot be installed here" \
         "(needs root and apt-get); browser tests need it" >&2
fi
