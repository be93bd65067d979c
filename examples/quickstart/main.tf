# A realistic Warden setup: two environments, roles for deployers and on-call, the vendor's
# support engineers as operator on production, and alert routing opted out on staging.

terraform {
  required_providers {
    warden = {
      source = "wardenhq/warden"
    }
  }
}

# Endpoint and token come from WARDEN_ENDPOINT and WARDEN_TOKEN (make demo sets both).
provider "warden" {}

resource "warden_environment" "production" {
  name  = "production"
  cloud = "gcp"
}

resource "warden_environment" "staging" {
  name            = "staging"
  cloud           = "aws"
  resource_prefix = "stg_"
  # Created opted out of vendor alert routing (warden_alert_routing.staging below keeps it so):
  # no staging alert ever reaches the vendor's on-call.
  initial_vendor_routing = false
}

resource "warden_user" "alice" {
  email = "alice@example.com"
  name  = "Alice"
}

resource "warden_user" "bob" {
  email = "bob@example.com"
  name  = "Bob"
}

resource "warden_user" "vendor_oncall" {
  email = "oncall@vendor.example"
  name  = "Vendor on-call"
  kind  = "vendor"
}

resource "warden_group" "sre" {
  name    = "sre"
  members = [warden_user.alice.id, warden_user.bob.id]
}

resource "warden_role" "deployers" {
  name        = "deployers"
  description = "Ship apps to every environment"
  permissions = ["conducts.read", "model.read"]
}

resource "warden_role" "oncall" {
  name        = "oncall"
  description = "Respond to incidents"
  permissions = ["cluster.read", "audit.read"]
}

resource "warden_role_assignment" "sre_deployers" {
  role_id  = warden_role.deployers.id
  group_id = warden_group.sre.id
}

resource "warden_role_assignment" "alice_oncall" {
  role_id = warden_role.oncall.id
  user_id = warden_user.alice.id
}

resource "warden_environment_grant" "deployers_production" {
  role_id         = warden_role.deployers.id
  environment_id  = warden_environment.production.id
  permissions     = ["deployment"]
  require_actions = ["apps.deploy", "apps.scale"]
}

resource "warden_environment_grant" "deployers_staging" {
  role_id        = warden_role.deployers.id
  environment_id = warden_environment.staging.id
  permissions    = ["deployment", "destruction"]
}

resource "warden_environment_grant" "oncall_production" {
  role_id        = warden_role.oncall.id
  environment_id = warden_environment.production.id
  permissions    = ["ops", "full_visibility"]
}

resource "warden_support_access" "vendor_production" {
  environment_id  = warden_environment.production.id
  tier            = "operator"
  port_forwarding = true
}

resource "warden_alert_routing" "production" {
  environment_id = warden_environment.production.id
  destinations = [
    { type = "webhook", target = "https://hooks.example.com/warden", min_severity = "warning" },
    { type = "email", target = "sre@example.com", min_severity = "critical" },
  ]
}

resource "warden_alert_routing" "staging" {
  environment_id = warden_environment.staging.id
  vendor_routing = false # opt out: staging alerts stay in-house
}

output "deployers_can_in_production" {
  description = "Known at plan time: what the deployers' production grant allows."
  value       = warden_environment_grant.deployers_production.allowed_actions
}

output "vendor_capabilities_in_production" {
  value = warden_support_access.vendor_production.capabilities
}

output "deploy_needs" {
  value = provider::warden::permissions_for("apps.deploy")
}

output "ops_can" {
  value = provider::warden::allowed_actions(["ops"])
}
