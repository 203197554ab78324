#!/usr/bin/env bash
# The upload page end to end in headless Chromium: web/test/browser.mjs (see its header) drives
# the credential service's page, which uploads with the vendors' own browser clients (ali-oss,
# wcs-js-sdk) to the emulator's upload hosts.
#
# Installs what is missing and nothing else: Debian's chromium (apt-get, as root) when
# /usr/bin/chromium is absent, the npm packages of web/package-lock.json (npm ci, which never
# downloads a browser: playwright-core drives the system Chromium). Builds the vod-emulator binary
# and the credential_service example first. Respects an inherited CARGO_TARGET_DIR; screenshots
# land in its browser-upload/ folder. Every step is bounded with timeout, so a hang fails the run.
#
# Usage: scripts/browser-test.sh [aliyun|wangsu]...   (default: both vendors)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [[ ! -x /usr/bin/chromium ]]; then
    echo "browser-test: installing Debian's chromium"
    if [[ "$(id -u)" != 0 ]]; then
        echo "browser-test: /usr/bin/chromium is missing and installing it needs root (apt-get install chromium)" >&2
        exit 1
    fi
    timeout 300 apt-get update -qq
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq chromium >/dev/null
fi

timeout 900 cargo build -q -p vod-emulator --bin vod-emulator
timeout 900 cargo build -q --example credential_service

(cd web && timeout 300 npm ci --no-audit --no-fund --loglevel=error)
cd web
timeout 300 node test/browser.mjs "$@"
