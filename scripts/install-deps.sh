#!/usr/bin/env bash
# Installs the Debian packages in scripts/packages.txt that are missing, and the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then echo "run this as root: containers need it" >&2; exit 1; fi
mapfile -t pkgs < <(grep -v '^#' scripts/packages.txt | sed '/^$/d')
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
npm ci --no-audit --no-fund
