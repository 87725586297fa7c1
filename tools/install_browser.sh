#!/usr/bin/env bash
# Debian's chromium and CJK fonts for the browser tests (Playwright drives the system browser;
# `playwright install` downloads, which this network refuses). Does nothing when both are there.
set -euo pipefail
if [[ -n "${CHROMIUM_PATH:-}" && -x "${CHROMIUM_PATH}" ]]; then exit 0; fi
need=()
[[ -x /usr/bin/chromium ]] || need+=(chromium)
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
installed fonts-noto-cjk || need+=(fonts-noto-cjk)
if [[ ${#need[@]} -eq 0 ]]; then exit 0; fi
sudo=""
if [[ "$(id -u)" -ne 0 ]]; then sudo="sudo"; fi
echo "installing ${need[*]} from Debian's packages" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
