#!/usr/bin/env bash
# Browser tests drive Debian's chromium (/usr/bin/chromium) with Playwright, and the portal's
# Chinese pages need a CJK font to render in screenshots. Install both when missing and we are
# root with apt-get; otherwise say so and carry on.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
CJK_FONT_DIR=/usr/share/fonts/truetype/wqy

[ -x "$CHROMIUM" ] && [ -d "$CJK_FONT_DIR" ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: installing Debian's chromium and a CJK font (fonts-wqy-microhei)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium fonts-wqy-microhei
    [ -x "$CHROMIUM" ] || { echo "ensure_chromium: error: $CHROMIUM still missing" >&2; exit 1; }
else
    echo "ensure_chromium: warning: chromium or the CJK font is missing and cannot be installed" \
         "here (needs root and apt-get); browser tests need chromium" >&2
fi
