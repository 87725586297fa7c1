#!/usr/bin/env bash
# Debian packages the tests drive: chromium and CJK fonts for the browser tests (Playwright
# drives the system browser; `playwright install` downloads, which this network refuses), and
# nginx for the reverse-proxy test (deploy/nginx/). Does nothing when all are there.
set -euo pipefail
need=()
if [[ -z "${CHROMIUM_PATH:-}" || ! -x "${CHROMIUM_PATH}" ]]; then
  [[ -x /usr/bin/chromium ]] || need+=(chromium)
fi
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
installed fonts-noto-cjk || need+=(fonts-noto-cjk)
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || need+=(nginx)
if [[ ${#need[@]} -eq 0 ]]; then exit 0; fi
sudo=""
if [[ "$(id -u)" -ne 0 ]]; then sudo="sudo"; fi
echo "installing ${need[*]} from Debian's packages" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
