#!/usr/bin/env bash
# Install the Debian packages InvestMap needs, only those missing.
#   scripts/setup-system.sh run   -> what the app needs (CJK fonts for brochures)
#   scripts/setup-system.sh test  -> plus Chromium, PostgreSQL/PostGIS, poppler-utils, GDAL
#                                     (ogrinfo, ogr2ogr, validate_gpkg.py for the conformance tests),
#                                     Node.js and npm (tests/js_syntax.py: the ES2017 check)
# Needs root or sudo; fails with a clear message otherwise.
set -euo pipefail

profile="${1:-test}"
run_pkgs=(fonts-noto-cjk fontconfig libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
test_pkgs=(chromium postgresql postgresql-15-postgis-3 poppler-utils gdal-bin python3-gdal libreoffice-calc-nogui nodejs)

pkgs=("${run_pkgs[@]}")
if [ "$profile" = "test" ]; then pkgs+=("${test_pkgs[@]}"); fi
# Debian's nodejs comes without npm (package npm); NodeSource's nodejs holds npm and conflicts
# with that package, so npm is asked for only when no npm command is there.
if [ "$profile" = "test" ] && ! command -v npm >/dev/null 2>&1; then pkgs+=(npm); fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing Debian packages: ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "error: missing Debian packages ${missing[*]} and no root/sudo to install them." >&2
  echo "fix: run as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/tmp/investmap-apt.log 2>&1; then
  echo "error: apt-get could not install ${missing[*]}; see /tmp/investmap-apt.log" >&2
  tail -n 20 /tmp/investmap-apt.log >&2
  exit 1
fi
command -v fc-cache >/dev/null 2>&1 && fc-cache -f >/dev/null 2>&1 || true
