#!/usr/bin/env bash
# Sets AIPROD Studio up in ./.venv on Debian/Ubuntu: system libraries (when run as root),
# then the Python packages, pinned by installers/constraints.txt.
#   installers/setup.sh          # the app
#   installers/setup.sh test     # the app and the test tools
#   installers/setup.sh bench    # the app, the test tools and the ffmpeg CLI the benchmarks compare with
set -euo pipefail
cd "$(dirname "$0")/.."

extras="${1:-}"
# Qt (xcb + offscreen), Xvfb for a real X window without a screen, PortAudio for the player's sound.
apt_packages=(python3-venv xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-image0
              libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxcb-cursor0
              libxkbcommon0 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3 libportaudio2)
[ "$extras" = bench ] && apt_packages+=(ffmpeg)
# A C compiler for the export's colour kernel, the camera's resample and the flow in-betweens' blend
# (setup.py): optional, renders are slower without it.
optional_packages=(gcc libc6-dev python3-dev)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=()
for p in "${apt_packages[@]}"; do installed "$p" || missing+=("$p"); done
optional_missing=()
for p in "${optional_packages[@]}"; do installed "$p" || optional_missing+=("$p"); done
if [ ${#optional_missing[@]} -gt 0 ] && command -v dpkg-query >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    missing+=("${optional_missing[@]}")
  elif ! command -v cc >/dev/null; then
    echo "Note: without a C compiler, exports apply their colour tables a little slower." >&2
    echo "  For the faster kernel: sudo apt-get install ${optional_missing[*]}, then run this again." >&2
  fi
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Not root: please install these Debian packages first, then run this again:" >&2
    echo "  sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

python="${PYTHON:-python3}"
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || {
  echo "AIPROD Studio needs Python 3.11 or newer; $("$python" --version 2>&1) found. Set PYTHON=/path/to/python3.11." >&2
  exit 1
}
[ -x .venv/bin/python ] || "$python" -m venv .venv

# Reinstall only when what is declared changed, so the README commands stay quick to re-run.
spec="."
case "$extras" in test|bench) spec=".[test]" ;; esac
stamp=".venv/.aiprod-installed"
want="$(cat pyproject.toml setup.py installers/constraints.txt engine/media/signal_kernel.c engine/media/warp_kernel.c engine/media/flow_kernel.c engine/media/kernel_isa.h | sha256sum | cut -c1-16) $spec"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "Installing Python packages into .venv (first time: a few minutes)"
  # (pip's notes about unreachable extra index folders in a machine's pip.conf are only noise here)
  .venv/bin/python -m pip install -q -c installers/constraints.txt -e "$spec" \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  echo "$want" > "$stamp"
fi
