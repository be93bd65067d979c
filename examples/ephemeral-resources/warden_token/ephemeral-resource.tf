# A CI job's own token, minted for this run and revoked when Terraform finishes: it never
# reaches the plan or the state. Needs Terraform 1.10+ or OpenTofu 1.11+.
provider "warden" {} # WARDEN_ENDPOINT and an owner's or a users.admin's WARDEN_TOKEN

data "warden_user" "ci" {
  email = "ci@example.com"
}

ephemeral "warden_token" "ci" {
  user_id = data.warden_user.ci.id
  ttl     = "30m" # bounds its life should the run fail before Terraform revokes it
  name    = "ci-bootstrap"
}

# A provider configuration (or a write-only attribute) accepts the ephemeral token. The
# endpoint still comes from WARDEN_ENDPOINT; the token attribute wins over WARDEN_TOKEN.
provider "warden" {
  alias = "ci"
  token = ephemeral.warden_token.ci.token
}

# Read as the CI user: it sees only what its roles allow.
data "warden_user" "ci_self" {
  provider = warden.ci
  id       = data.warden_user.ci.id
}
