#!/usr/bin/env bash
# What the browser tests (tests/test_widget_browser.py) need beside .venv, installed only
# when missing, so running it again is cheap:
#   - Debian's Chromium (/usr/bin/chromium); Playwright never downloads a browser here,
#   - the Noto CJK fonts (Japanese text in the widget and its screenshots),
#   - axe-core from npm (node_modules/axe-core/axe.min.js), pinned by package-lock.json.
set -euo pipefail

cd "$(dirname "$0")/.."

have_cjk_font() {
    if command -v fc-list >/dev/null 2>&1; then
        # not grep -q: with pipefail, fc-list's SIGPIPE would read as "missing"
        fc-list 2>/dev/null | grep -i 'Noto Sans CJK' >/dev/null
    else
        ls /usr/share/fonts/opentype/noto/NotoSansCJK* >/dev/null 2>&1
    fi
}

apt_install() {
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    # The package lists may be missing or stale: update only when a first try fails.
    if ! $sudo apt-get install -y --no-install-recommends "$@"; then
        $sudo apt-get update
        $sudo apt-get install -y --no-install-recommends "$@"
    fi
}

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
have_cjk_font || missing+=(fonts-noto-cjk)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "browser_deps: installing ${missing[*]}"
    apt_install "${missing[@]}"
fi

if [ ! -f node_modules/axe-core/axe.min.js ]; then
    if ! command -v npm >/dev/null 2>&1; then
        echo "browser_deps: npm is missing (install Node.js and npm, e.g. apt-get install npm)" >&2
        exit 1
    fi
    if [ -f package-lock.json ]; then
        npm ci --no-audit --no-fund
    else
        npm install --no-audit --no-fund
    fi
fi
