#!/usr/bin/env bash
# Builds the newer Terraform and OpenTofu CLIs the acceptance suite also runs under, from their
# Go module source (the only source this project's machines reach), into a cache directory:
# once; later runs find them there and return at once. Prints nothing but progress on stderr.
#
#   .ci/build-clis.sh            build both (in parallel) if missing
#   .ci/build-clis.sh --path T   print the path of T (terraform or tofu) and build it if missing
#
# Facts behind the recipe: `go install module@version` refuses both modules (their go.mod files
# carry replace directives), so each is built from a writable copy of its module source.
# Terraform's module zip lacks its nested modules (the remote-state backends below and
# internal/legacy each have their own go.mod), so their imports and go.mod lines are dropped;
# the local, remote, cloud, http and inmem backends remain, which is all the suite uses.
set -euo pipefail

TERRAFORM_VERSION="${WARDEN_TERRAFORM_VERSION:-1.14.8}"
TOFU_VERSION="${WARDEN_TOFU_VERSION:-1.12.6}"
CACHE="${WARDEN_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/warden-clis}"
GO="${GO:-go}"

log() { echo "build-clis: $*" >&2; }

# built BINARY WANT: BINARY exists and says it is the release WANT (not a -dev build).
built() {
	[ -x "$1" ] && [ "$(TF_CLI_CONFIG_FILE=/dev/null "$1" version 2>/dev/null | head -1)" = "$2" ]
}

# copy_module MODULE VERSION DEST: a writable copy of the module's source.
copy_module() {
	local dir
	dir=$(cd "$(mktemp -d)" && GOFLAGS=-mod=mod "$GO" mod download -json "$1@$2" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[ -n "$dir" ] || { log "go mod download $1@$2 gave no directory"; exit 1; }
	rm -rf "$3"
	cp -r "$dir" "$3"
	chmod -R u+w "$3"
}

build_terraform() {
	local out="$CACHE/terraform-$TERRAFORM_VERSION/terraform"
	if built "$out" "Terraform v$TERRAFORM_VERSION"; then return; fi
	log "building Terraform $TERRAFORM_VERSION into $out (once; a few minutes)"
	local src="$CACHE/src/terraform-$TERRAFORM_VERSION"
	mkdir -p "$CACHE/src"
	copy_module github.com/hashicorp/terraform "v$TERRAFORM_VERSION" "$src"
	local nested='remote-state/(azure|consul|cos|gcs|kubernetes|oci|oss|pg|s3)|internal/legacy'
	grep -Ev "internal/backend/($nested)|internal/legacy" "$src/go.mod" >"$src/go.mod.new"
	mv "$src/go.mod.new" "$src/go.mod"
	grep -Ev '\bbackend(Azure|Consul|Cos|GCS|Kubernetes|OCI|OSS|Pg|S3)\b' \
		"$src/internal/backend/init/init.go" >"$src/init.go.new"
	mv "$src/init.go.new" "$src/internal/backend/init/init.go"
	(cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 "$GO" build -trimpath \
		-ldflags "-s -w -X github.com/hashicorp/terraform/version.dev=no" -o "$out.tmp" .)
	mv "$out.tmp" "$out"
	rm -rf "$src"
	TF_CLI_CONFIG_FILE=/dev/null "$out" version >&2
}

build_tofu() {
	local out="$CACHE/tofu-$TOFU_VERSION/tofu"
	if built "$out" "OpenTofu v$TOFU_VERSION"; then return; fi
	log "building OpenTofu $TOFU_VERSION into $out (once; a few minutes)"
	local src="$CACHE/src/tofu-$TOFU_VERSION"
	mkdir -p "$CACHE/src"
	copy_module github.com/opentofu/opentofu "v$TOFU_VERSION" "$src"
	(cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 "$GO" build -trimpath \
		-ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" -o "$out.tmp" ./cmd/tofu)
	mv "$out.tmp" "$out"
	rm -rf "$src"
	TF_CLI_CONFIG_FILE=/dev/null "$out" version >&2
}

mkdir -p "$CACHE/terraform-$TERRAFORM_VERSION" "$CACHE/tofu-$TOFU_VERSION"

if [ "${1:-}" = "--path" ]; then
	case "${2:-}" in
	terraform) build_terraform; echo "$CACHE/terraform-$TERRAFORM_VERSION/terraform" ;;
	tofu) build_tofu; echo "$CACHE/tofu-$TOFU_VERSION/tofu" ;;
	*) log "usage: $0 [--path terraform|tofu]"; exit 2 ;;
	esac
	exit 0
fi

build_terraform &
tf=$!
build_tofu &
tofu=$!
status=0
wait "$tf" || status=$?
wait "$tofu" || status=$?
exit "$status"
