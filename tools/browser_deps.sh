#!/usr/bin/env bash
# What the browser tests (tests/test_widget_browser.py and the other *_browser.py) and
# `make screenshots` need beside .venv, installed only when missing, so running it again
# is cheap:
#   - Debian's Chromium (/usr/bin/chromium); Playwright never downloads a browser here,
#   - a font for every script the bot ships, so that a missing one shows up as a failing
#     test or an empty box in a screenshot, not silently as tofu:
#       fonts-noto-cjk   Noto Sans CJK: Japanese, easy Japanese, Chinese, Korean
#       fonts-noto-core  Noto Sans, Noto Sans Devanagari (Nepali), Noto Sans Myanmar
#                        (Burmese), and the Latin of Vietnamese, Filipino, Portuguese,
#                        Indonesian
#   - axe-core from npm (node_modules/axe-core/axe.min.js), pinned by package-lock.json.
# apt-get runs as root or through sudo; npm must already be installed (apt-get install npm).
set -euo pipefail

cd "$(dirname "$0")/.."

# family name (as fontconfig lists it) -> the Debian package that carries it
FONTS=(
    "Noto Sans CJK JP:fonts-noto-cjk"
    "Noto Sans Devanagari:fonts-noto-core"
    "Noto Sans Myanmar:fonts-noto-core"
)

have_font() {
    # not grep -q: with pipefail, fc-list's SIGPIPE would read as "missing"
    fc-list : family 2>/dev/null | grep -iF "$1" >/dev/null
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
# fc-list comes with fontconfig (a dependency of chromium); without it, ask for all fonts.
command -v fc-list >/dev/null 2>&1 || missing+=(fontconfig)
for entry in "${FONTS[@]}"; do
    family="${entry%%:*}"
    package="${entry##*:}"
    if ! command -v fc-list >/dev/null 2>&1 || ! have_font "$family"; then
        case " ${missing[*]} " in
            *" $package "*) ;;
            *) missing+=("$package") ;;
        esac
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "browser_deps: installing ${missing[*]}"
    apt_install "${missing[@]}"
fi
for entry in "${FONTS[@]}"; do
    family="${entry%%:*}"
    if ! have_font "$family"; then
        echo "browser_deps: font '$family' still missing after installing ${entry##*:}" >&2
        exit 1
    fi
done

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
