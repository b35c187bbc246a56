#!/usr/bin/env bash
# `make run`'s last step: the worker in the background, the web server in the foreground; Ctrl+C
# stops both. Mail is printed in this terminal unless CONTESTS_SMTP_URL names a server.
set -euo pipefail
bin="$1" host="$2" port="$3"
export CONTESTS_SMTP_URL="${CONTESTS_SMTP_URL:-console://}"
"$bin/contests" worker --interval 2 &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT INT TERM
"$bin/contests" run --host "$host" --port "$port"
