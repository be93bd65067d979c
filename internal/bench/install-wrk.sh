#!/usr/bin/env bash
# Installs wrk from the distribution's packages (Debian's `wrk`) when it is not on PATH, for
# `make bench-api`. Nothing else is downloaded; the index is refreshed only when the install
# fails without it.
set -euo pipefail
command -v wrk >/dev/null 2>&1 && exit 0
sudo=
if [ "$(id -u)" != 0 ]; then sudo=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y wrk || { $sudo apt-get update && $sudo apt-get install -y wrk; }
command -v wrk >/dev/null
