resource "warden_environment" "prod" {
  name  = "production"
  cloud = "gcp"
}

resource "warden_user" "alice" {
  email = "alice@example.com"
  name  = "Alice"
}

resource "warden_group" "sre" {
  name    = "sre"
  members = [warden_user.alice.id]
}

resource "warden_role" "deployers" {
  name        = "deployers"
  description = "Ships apps"
  permissions = ["conducts.read"]
}

resource "warden_role_assignment" "sre_deployers" {
  role_id  = warden_role.deployers.id
  group_id = warden_group.sre.id
}

resource "warden_environment_grant" "deployers_prod" {
  role_id        = warden_role.deployers.id
  environment_id = warden_environment.prod.id
  permissions    = ["deployment", "ops"]
}

# What Alice may do in production, and through which grant, role and group.
data "warden_effective_access" "alice_prod" {
  user_id        = warden_user.alice.id
  environment_id = warden_environment.prod.id

  depends_on = [warden_role_assignment.sre_deployers, warden_environment_grant.deployers_prod]
}

output "alice_can" {
  value = data.warden_effective_access.alice_prod.actions
}

output "why_alice_can_deploy" {
  value = [for g in data.warden_effective_access.alice_prod.grants : "${g.role_name} via group ${g.group_name}" if g.action == "apps.deploy"]
}

# What Alice may do on the platform, outside any environment, and through which role.
output "alice_platform" {
  value = [for p in data.warden_effective_access.alice_prod.platform : "${p.permission} (role ${p.role_name})"]
}

check "alice_can_deploy" {
  assert {
    condition     = contains(data.warden_effective_access.alice_prod.actions, "apps.deploy")
    error_message = "Alice cannot deploy to production."
  }
}
