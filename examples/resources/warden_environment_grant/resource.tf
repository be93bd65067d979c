resource "warden_environment" "prod" {
  name  = "production"
  cloud = "gcp"
}

resource "warden_role" "deployers" {
  name        = "deployers"
  description = "Ships apps"
  permissions = ["conducts.read"]
}

# Deployers may deploy and operate apps in production. The plan fails unless the
# permissions allow every action in require_actions, naming the permission that would.
resource "warden_environment_grant" "deployers_prod" {
  role_id         = warden_role.deployers.id
  environment_id  = warden_environment.prod.id
  permissions     = ["deployment", "ops"]
  require_actions = ["apps.deploy", "apps.scale"]
}

resource "warden_role" "dba" {
  name = "dba"
}

# Read-only database access: tunnel without sensitive_access is a documented pattern
# (credentials are managed inside the database) and draws no warning.
resource "warden_environment_grant" "dba_prod" {
  role_id        = warden_role.dba.id
  environment_id = warden_environment.prod.id
  permissions    = ["tunnel", "full_visibility"]
}

# Known at plan time.
output "deployers_can" {
  value = warden_environment_grant.deployers_prod.allowed_actions
}
