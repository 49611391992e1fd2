#!/usr/bin/env bash
# The Debian packages the test suite needs, installed when run as root with apt (as CI does); otherwise
# it names the one command to run and stops. Chromium drives the webview and real-VS-Code tests;
# libkrb5-dev and ripgrep let code-server's install build; python3-torchvision puts torchvision's own
# source in site-packages, which the Python module-system test reads (never runs); python3-onnx is the
# benches' side-by-side anchor (onnx.load + shape inference).
set -euo pipefail
packages=(chromium libkrb5-dev ripgrep python3-torchvision python3-onnx)
missing=()
for pkg in "${packages[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
  exit 0
fi
echo "Missing Debian packages; run: sudo apt-get install -y ${missing[*]}" >&2
exit 1
