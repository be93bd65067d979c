#!/usr/bin/env bash
# make demo: start a local Warden API on its SQLite default, then plan and apply this quickstart
# with the freshly built provider (dev_overrides, no registry), print the outputs, and stop
# the server cleanly. KEEP_SERVER=1 leaves it running for you to explore.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
BIN="${BIN:-$root/bin}"
WARDEN_LISTEN="${WARDEN_LISTEN:-127.0.0.1:8080}"
work="$root/.demo"
WARDEN_DB="${WARDEN_DB:-$work/warden.db}"
export WARDEN_BOOTSTRAP_TOKEN="${WARDEN_BOOTSTRAP_TOKEN:-warden-demo-token}"
mkdir -p "$work/quickstart"

# Our own CLI config: Terraform takes the provider from bin/ instead of the registry.
cat >"$work/terraformrc" <<CFG
provider_installation {
  dev_overrides {
    "registry.terraform.io/wardenhq/warden" = "$BIN"
  }
  direct {}
}
CFG
export TF_CLI_CONFIG_FILE="$work/terraformrc"
export WARDEN_ENDPOINT="http://$WARDEN_LISTEN"
export WARDEN_TOKEN="$WARDEN_BOOTSTRAP_TOKEN"

"$BIN/warden-server" -listen "$WARDEN_LISTEN" -db "$WARDEN_DB" >"$work/server.log" 2>&1 &
server=$!
stop() {
  if [ "${KEEP_SERVER:-0}" = 1 ]; then
    echo "Warden API still running at $WARDEN_ENDPOINT (pid $server, token \$WARDEN_BOOTSTRAP_TOKEN); stop it with: kill $server"
  else
    kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
    echo "Warden API stopped; its data stays in $WARDEN_DB (make clean removes it)."
  fi
}
trap stop EXIT
for _ in $(seq 100); do
  curl -fsS "$WARDEN_ENDPOINT/v1/health" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done
echo "Warden API on $WARDEN_ENDPOINT (log: $work/server.log, db: $WARDEN_DB)"

cp "$here/main.tf" "$work/quickstart/main.tf"
cd "$work/quickstart"
terraform plan -input=false -out=tfplan
terraform apply -input=false tfplan
echo "--- outputs"
terraform output
echo "--- a second plan must be empty"
terraform plan -input=false -detailed-exitcode
