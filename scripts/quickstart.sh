#!/usr/bin/env bash
# From a fresh machine to a container printing a line: packages, build, berthd, busybox, run.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
scripts/install-deps.sh
npm run build
ln -sf "$repo/bin/berth.js" /usr/local/bin/berth
ln -sf "$repo/bin/berthd.js" /usr/local/bin/berthd
sock=/run/berth/berth.sock
if ! berth version >/dev/null 2>&1; then
  mkdir -p /var/log
  setsid berthd >>/var/log/berthd.log 2>&1 < /dev/null &
  for _ in $(seq 100); do [ -S "$sock" ] && berth version >/dev/null 2>&1 && break; sleep 0.1; done
  echo "berthd is running (log: /var/log/berthd.log, socket: $sock)"
fi
berth load -q -i build/busybox.tar >/dev/null
berth run --rm busybox echo hello from berth
