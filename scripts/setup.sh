#!/usr/bin/env bash
# Prepare a fresh clone on Debian 12: system packages, the virtual environment and
# the Python packages. `scripts/setup.sh` installs what the platform runs on
# (scripts/debian-packages.txt, requirements.txt); `scripts/setup.sh dev` adds what the
# tests and lint need (scripts/debian-packages-dev.txt: Chromium for the browser tests;
# requirements-dev.txt). Safe to run again; it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

lists=(scripts/debian-packages.txt)
if [ "${1:-}" = "dev" ]; then
  lists+=(scripts/debian-packages-dev.txt)
fi
mapfile -t packages < <(cat "${lists[@]}" | grep -v '^\s*#' | awk 'NF {print $1}')
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  elif command -v sudo >/dev/null; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "Please install these Debian packages first (as root): apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# Reinstall only when the requirement files changed since the last install of that kind.
if [ "${1:-}" = "dev" ]; then
  files=(requirements.txt requirements-dev.txt)
  stamp=.venv/.requirements-dev.sha256
else
  files=(requirements.txt)
  stamp=.venv/.requirements.sha256
fi
wanted=$(cat "${files[@]}" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r "${files[-1]}"
  echo "$wanted" > "$stamp"
fi
