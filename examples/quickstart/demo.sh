#!/usr/bin/env bash
# make demo: start a local Warden API on its SQLite default, then plan and apply this quickstart
# with the freshly built provider (dev_overrides, no registry), check that a second plan is
# empty, and stop the server cleanly. KEEP_SERVER=1 leaves it running and prints the exports
# that let another shell go on with it. TERRAFORM=tofu runs it with OpenTofu.
#
# Environment: BIN (the built binaries), WARDEN_LISTEN, WARDEN_DB, WARDEN_BOOTSTRAP_TOKEN,
# WARDEN_DEMO_DIR (default .demo), TERRAFORM (default terraform), KEEP_SERVER.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
BIN="${BIN:-$root/bin}"
TERRAFORM="${TERRAFORM:-terraform}"
WARDEN_LISTEN="${WARDEN_LISTEN:-127.0.0.1:8080}"
work="${WARDEN_DEMO_DIR:-$root/.demo}"
WARDEN_DB="${WARDEN_DB:-$work/warden.db}"
export WARDEN_BOOTSTRAP_TOKEN="${WARDEN_BOOTSTRAP_TOKEN:-warden-demo-token}"
log="$work/server.log"
mkdir -p "$work/quickstart"

say() { echo "make demo: $*" >&2; }

# A server an earlier KEEP_SERVER=1 run left running holds this directory's database, log and
# Terraform state (and most likely the address): say so rather than start a second one.
if [ -f "$work/server.pid" ]; then
  kept="$(cat "$work/server.pid")"
  case "$(ps -o comm= -p "$kept" 2>/dev/null || true)" in
  *warden-server)
    say "a Warden API kept by an earlier KEEP_SERVER=1 run still runs on $work (pid $kept):"
    say "stop it with kill $kept (or give this run another WARDEN_DEMO_DIR and WARDEN_LISTEN)"
    exit 1
    ;;
  esac
  rm -f "$work/server.pid"
fi

# Our own CLI config: the CLI takes the provider from bin/ instead of a registry. Terraform
# reads source = "wardenhq/warden" as registry.terraform.io/wardenhq/warden, OpenTofu as
# registry.opentofu.org/wardenhq/warden: one override each.
cat >"$work/terraformrc" <<CFG
provider_installation {
  dev_overrides {
    "registry.terraform.io/wardenhq/warden" = "$BIN"
    "registry.opentofu.org/wardenhq/warden" = "$BIN"
  }
  direct {}
}
CFG
export TF_CLI_CONFIG_FILE="$work/terraformrc"
export WARDEN_ENDPOINT="http://$WARDEN_LISTEN"
export WARDEN_TOKEN="$WARDEN_BOOTSTRAP_TOKEN"
# The demo runs every command itself: no "run terraform apply tfplan" advice.
export TF_IN_AUTOMATION=1

"$BIN/warden-server" -listen "$WARDEN_LISTEN" -db "$WARDEN_DB" >"$log" 2>&1 &
server=$!

# why_dead explains a server that exited: its status, the end of its log, and what to do.
why_dead() {
  local status=0
  wait "$server" 2>/dev/null || status=$?
  say "warden-server (pid $server) $1 and exited with status $status; the end of $log:"
  tail -n 15 "$log" | sed 's/^/  /' >&2
  if grep -q 'address already in use' "$log"; then
    say "$WARDEN_LISTEN is taken: stop what listens there, or pick another address: WARDEN_LISTEN=127.0.0.1:9090 make demo"
  fi
}

finish() {
  local rc=$?
  if ! kill -0 "$server" 2>/dev/null; then
    # Already explained when it never came up (server="").
    if [ -n "$server" ]; then why_dead "stopped during the demo"; fi
    exit 1
  fi
  if [ "$rc" != 0 ]; then
    if grep -q 'status=401' "$log"; then
      say "the API refused the token (401): $WARDEN_DB was bootstrapped with another WARDEN_BOOTSTRAP_TOKEN; make clean starts afresh"
    fi
    say "failed (status $rc); the server's log: $log"
  fi
  if [ "${KEEP_SERVER:-0}" = 1 ]; then
    echo "$server" >"$work/server.pid"
    {
      printf 'export WARDEN_ENDPOINT=%q\n' "$WARDEN_ENDPOINT"
      printf 'export WARDEN_TOKEN=%q\n' "$WARDEN_TOKEN"
      printf 'export TF_CLI_CONFIG_FILE=%q\n' "$TF_CLI_CONFIG_FILE"
    } >"$work/env"
    echo
    echo "Warden API still running at $WARDEN_ENDPOINT (pid $server, log $log). To go on exploring from"
    echo "another shell (no init needed: the CLI config overrides the provider with $BIN):"
    echo
    sed 's/^/  /' "$work/env"
    cli="$(basename "$TERRAFORM")"
    if [ "$(command -v "$cli")" != "$(command -v "$TERRAFORM")" ]; then cli="$TERRAFORM"; fi
    printf '  cd %q && %q plan\n' "$work/quickstart" "$cli"
    echo
    echo "(or: source $work/env). Stop the server with: kill $server"
  else
    kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
    echo "Warden API stopped; its data stays in $WARDEN_DB (make clean removes it)."
  fi
  exit "$rc"
}
trap finish EXIT

# Ready when our own server has announced that it listens (so that another server on the
# same address never passes for it) and answers its health check; it exits at once when the
# address is taken or the store refuses it.
ready=""
for _ in $(seq 150); do
  if ! kill -0 "$server" 2>/dev/null; then
    why_dead "did not start on $WARDEN_LISTEN"
    server=""
    exit 1
  fi
  if grep -q '^warden-server listening on ' "$log" && curl -fsS "$WARDEN_ENDPOINT/v1/health" >/dev/null 2>&1; then
    ready=1
    break
  fi
  sleep 0.1
done
if [ -z "$ready" ]; then
  say "warden-server (pid $server) did not answer on $WARDEN_ENDPOINT within 15 s; the end of $log:"
  tail -n 15 "$log" | sed 's/^/  /' >&2
  kill -TERM "$server" 2>/dev/null || true
  exit 1
fi
echo "Warden API on $WARDEN_ENDPOINT (pid $server, log: $log, db: $WARDEN_DB)"

cp "$here/main.tf" "$work/quickstart/main.tf"
cd "$work/quickstart"
"$TERRAFORM" plan -input=false -out=tfplan
"$TERRAFORM" apply -input=false tfplan
echo "--- a second plan must be empty"
"$TERRAFORM" plan -input=false -detailed-exitcode
