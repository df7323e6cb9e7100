#!/usr/bin/env bash
# What the PostgreSQL tests (tests/pg_server.py: the store contract suite, the multi-process
# tests) and `make bench` need: Debian's postgresql package (initdb, pg_ctl, postgres, psql).
# Installed only when missing, so running it again is cheap. The tests start their own
# throwaway cluster in a temporary folder; nothing here starts or configures a server.
# apt-get runs as root or through sudo.
set -euo pipefail

have_initdb() {
    command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

if ! have_initdb; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    echo "pg_deps: installing postgresql"
    # The package lists may be missing or stale: update only when a first try fails.
    if ! $sudo apt-get install -y --no-install-recommends postgresql; then
        $sudo apt-get update
        $sudo apt-get install -y --no-install-recommends postgresql
    fi
    # Debian's package starts a system cluster; the tests do not use it.
fi
