#!/usr/bin/env bash
# Installs the Debian packages SmartTerminal needs, only where they are missing.
#   scripts/install-prerequisites.sh service   what the policy service needs to run
#   scripts/install-prerequisites.sh tests     what the test suite needs (real brokers and databases)
#   scripts/install-prerequisites.sh cluster   what scripts/run-cluster.sh starts (PostgreSQL, Mosquitto, InfluxDB, nginx)
set -euo pipefail

purpose="${1:-tests}"
packages=()
case "$purpose" in
  service)
    command -v influxd >/dev/null 2>&1 || packages+=(influxdb)
    command -v curl >/dev/null 2>&1 || packages+=(curl)
    command -v jq >/dev/null 2>&1 || packages+=(jq)
    ;;
  tests)
    command -v mosquitto >/dev/null 2>&1 || packages+=(mosquitto)
    command -v mosquitto_passwd >/dev/null 2>&1 || packages+=(mosquitto)
    command -v mosquitto_sub >/dev/null 2>&1 || packages+=(mosquitto-clients)
    command -v nginx >/dev/null 2>&1 || packages+=(nginx) # scripts/run-cluster.sh, walked through in a test
    command -v influxd >/dev/null 2>&1 || packages+=(influxdb)
    command -v curl >/dev/null 2>&1 || packages+=(curl)
    command -v jq >/dev/null 2>&1 || packages+=(jq)
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || packages+=(postgresql) # the store tests and the second integration run
    command -v pdftoppm >/dev/null 2>&1 || packages+=(poppler-utils) # renders the flasher's label PDFs to check their QR codes
    command -v chromium >/dev/null 2>&1 || packages+=(chromium) # the web console's browser tests (Playwright drives it)
    [ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || packages+=(fonts-noto-cjk) # Chinese text in the browser tests and screenshots
    ;;
  cluster)
    command -v mosquitto >/dev/null 2>&1 || packages+=(mosquitto)
    command -v mosquitto_ctrl >/dev/null 2>&1 || packages+=(mosquitto-clients)
    command -v influxd >/dev/null 2>&1 || packages+=(influxdb)
    command -v nginx >/dev/null 2>&1 || packages+=(nginx)
    command -v curl >/dev/null 2>&1 || packages+=(curl)
    command -v jq >/dev/null 2>&1 || packages+=(jq)
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || packages+=(postgresql)
    ;;
  *) echo "usage: $0 service|tests|cluster" >&2; exit 2 ;;
esac

if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET SDK 10 is required (https://dot.net); install it first." >&2
  exit 1
fi

if [ ${#packages[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing: ${packages[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${packages[@]}" | sort -u) >/dev/null
fi
