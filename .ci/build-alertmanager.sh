#!/usr/bin/env bash
# Builds Prometheus Alertmanager, the real sender the alert tests run against
# (internal/alerttest), from its Go module source (the only source this project's machines
# reach) into the same cache as .ci/build-clis.sh: once; later runs find it there and return at
# once. Prints nothing but progress on stderr, and with --path the binary's path on stdout.
#
#   .ci/build-alertmanager.sh          build it if missing
#   .ci/build-alertmanager.sh --path   print the path of the binary and build it if missing
#
# Facts behind the recipe: the module zip lacks the web UI's compiled assets (ui/app/dist,
# made by npm and Elm in a release build), which ui/web.go embeds, so the build fails without
# them; a placeholder page in each of its two roots is enough, as the tests never open the UI.
# The version is set by ldflags in a release build (promu); without it --version says
# version "", and the cache check below could not tell this build from another.
set -euo pipefail

AM_VERSION="${WARDEN_ALERTMANAGER_VERSION:-0.35.0}"
CACHE="${WARDEN_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/warden-clis}"
GO="${GO:-go}"
OUT="$CACHE/alertmanager-$AM_VERSION/alertmanager"

log() { echo "build-alertmanager: $*" >&2; }

# built BINARY: BINARY exists and says it is Alertmanager AM_VERSION.
built() {
	[ -x "$1" ] && "$1" --version 2>&1 | head -1 | grep -q "^alertmanager, version $AM_VERSION "
}

build() {
	if built "$OUT"; then return; fi
	mkdir -p "$CACHE/src" "$(dirname "$OUT")"
	# Test binaries of several packages may ask at once: one builds, the others wait for it.
	if command -v flock >/dev/null; then
		exec 9>"$OUT.lock"
		flock 9
		if built "$OUT"; then return; fi
	fi
	log "building Alertmanager $AM_VERSION into $OUT (once; a few minutes)"
	local src="$CACHE/src/alertmanager-$AM_VERSION" dir
	dir=$(cd "$(mktemp -d)" && GOFLAGS=-mod=mod "$GO" mod download -json \
		"github.com/prometheus/alertmanager@v$AM_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[ -n "$dir" ] || { log "go mod download alertmanager@v$AM_VERSION gave no directory"; exit 1; }
	rm -rf "$src"
	cp -r "$dir" "$src"
	chmod -R u+w "$src"
	local ui
	for ui in elm mantine; do
		mkdir -p "$src/ui/app/dist/$ui"
		echo '<!doctype html><title>Alertmanager</title><p>Built without its web UI.' >"$src/ui/app/dist/$ui/index.html"
	done
	local v=github.com/prometheus/common/version
	(cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 "$GO" build -trimpath \
		-ldflags "-s -w -X $v.Version=$AM_VERSION -X $v.Revision=v$AM_VERSION -X $v.Branch=module-source" \
		-o "$OUT.tmp" ./cmd/alertmanager)
	mv "$OUT.tmp" "$OUT"
	rm -rf "$src"
	built "$OUT" || { log "$OUT does not say it is version $AM_VERSION"; "$OUT" --version >&2 || true; exit 1; }
	"$OUT" --version 2>&1 | head -1 >&2
}

case "${1:-}" in
"") build ;;
--path) build; echo "$OUT" ;;
*) log "usage: $0 [--path]"; exit 2 ;;
esac
