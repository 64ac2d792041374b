#!/usr/bin/env bash
# Installs the system packages the tests need when they are missing (as root, as on the project's
# machines); otherwise prints what to install. Safe to re-run.
set -euo pipefail

apt_packages=()
# Each entry: "command-that-must-exist:debian-package".
needs=("node:nodejs" "npm:npm" "chromium:chromium" "chromedriver:chromium-driver")

missing=()
for entry in "${needs[@]}"; do
  cmd=${entry%%:*}; pkg=${entry##*:}
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
done
apt_packages+=("${missing[@]}")

if ((${#apt_packages[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "system-deps: installing ${apt_packages[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" >/dev/null
  else
    echo "system-deps: please install: ${apt_packages[*]}" >&2
    exit 1
  fi
fi
echo "system-deps: ok"
