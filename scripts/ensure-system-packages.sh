#!/usr/bin/env bash
# The browser and native-window tests need Debian's Chromium, ChromeDriver, Xvfb and a few X
# libraries for Qt; the several-instances test needs HAProxy. Install them when missing and we
# are allowed to; otherwise say so (the tests then fail under CI=true, and skip with a reason
# elsewhere).
set -euo pipefail
packages=(chromium chromium-driver xvfb xauth x11-utils libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0
          libxkbcommon-x11-0 libxcb-xinerama0 libxcb-randr0 libxcb-shape0 libxcb-image0
          libxcb-render-util0 libegl1 libgl1 libnss3 libxcomposite1 libxdamage1 libxtst6
          haproxy)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "Installing system packages for the tests: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "Missing system packages for the tests: ${missing[*]}" >&2
    echo "Install them with: sudo apt-get install ${missing[*]}" >&2
fi
