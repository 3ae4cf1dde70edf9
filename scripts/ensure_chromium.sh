#!/usr/bin/env bash
# Installs Debian's chromium (the browser tests drive /usr/bin/chromium) unless it is there.
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then
  exit 0
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "installing Debian's chromium for the browser tests"
$sudo apt-get install -y -q chromium >/dev/null 2>&1 || {
  $sudo apt-get update -q >/dev/null
  $sudo apt-get install -y -q chromium >/dev/null
}
/usr/bin/chromium --version
