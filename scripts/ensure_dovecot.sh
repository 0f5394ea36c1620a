#!/usr/bin/env bash
# The IMAP tests fetch from a real IMAP server on loopback: Debian's dovecot-imapd, which the
# tests start themselves (tests/channels/imap_server.py) with their own configuration and
# folder. Only the binary is needed: install it when missing and we are root with apt-get.
set -euo pipefail

DOVECOT=/usr/sbin/dovecot
[ -x "$DOVECOT" ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure_dovecot: installing Debian's dovecot-imapd (for the IMAP tests)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends dovecot-imapd
    [ -x "$DOVECOT" ] || { echo "ensure_dovecot: error: $DOVECOT still missing" >&2; exit 1; }
else
    echo "ensure_dovecot: warning: dovecot is missing and cannot be installed here" \
         "(needs root and apt-get); the IMAP tests will be skipped (and fail under CI)" >&2
fi
