#!/usr/bin/env bash
# Installs Debian's chromium for the review page's browser tests (internal/ui), once: a
# machine that has it already is left alone. Installing needs root; elsewhere the script says
# so and exits 0 outside CI (the browser tests then skip, saying why), and fails in CI, where
# they must run.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	msg="chromium is not installed and installing it needs root (apt-get install chromium)"
	if [ -n "${CI:-}" ]; then
		echo "install-chromium: $msg; CI must run the browser tests" >&2
		exit 1
	fi
	echo "install-chromium: $msg; the browser tests will skip" >&2
	exit 0
fi
echo "install-chromium: installing Debian's chromium (once)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
command -v chromium
