#!/usr/bin/env bash
# Install the Debian packages the app (runtime) or the test suite (test) needs, if missing.
# Runs apt-get only when something is missing, through sudo when not root.
set -euo pipefail

runtime=(python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
test=(poppler-utils zbar-tools chromium default-jre-headless npm haproxy)
bench=(wrk)

case "${1:-}" in
  runtime) wanted=("${runtime[@]}") ;;
  test) wanted=("${runtime[@]}" "${test[@]}") ;;
  bench) wanted=("${runtime[@]}" "${bench[@]}") ;;
  *) echo "usage: $0 runtime|test|bench" >&2; exit 2 ;;
esac

command -v dpkg-query >/dev/null || { echo "not a Debian-like system: install the equivalents of: ${wanted[*]}" >&2; exit 0; }

missing=()
for package in "${wanted[@]}"; do
  # python3-venv is not needed when this Python already has a working venv (pyenv, a custom build).
  if [ "$package" = python3-venv ] && python3 -c 'import ensurepip, venv' 2>/dev/null; then continue; fi
  # A Node.js or Java from elsewhere (NodeSource, a JDK) serves as well as Debian's packages.
  if [ "$package" = npm ] && command -v npm >/dev/null; then continue; fi
  if [ "$package" = default-jre-headless ] && command -v java >/dev/null; then continue; fi
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing Debian packages: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
