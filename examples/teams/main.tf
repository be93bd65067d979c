# Teams × environments: one map describes who works where, and for_each turns it into users,
# a group and a role per team, a grant per team and environment, and the vendor's support
# access per environment. Adding a team, a person or an environment is one line in a map.

terraform {
  required_providers {
    warden = {
      source = "wardenhq/warden"
    }
  }
}

# Endpoint and token from WARDEN_ENDPOINT and WARDEN_TOKEN.
provider "warden" {}

variable "environments" {
  description = "Environments by name: cloud (aws | gcp), resource prefix, and the highest tier the vendor's engineers may request there (null: no vendor access)."
  type = map(object({
    cloud           = string
    resource_prefix = optional(string, "aw_")
    vendor_tier     = optional(string)
  }))
  default = {
    production = { cloud = "gcp", vendor_tier = "operator" }
    staging    = { cloud = "aws", resource_prefix = "stg_", vendor_tier = "support" }
    sandbox    = { cloud = "aws", resource_prefix = "sbx_" }
  }
}

variable "teams" {
  description = "Teams by name: members (e-mail addresses), platform permissions, and the environment permissions the team holds in each environment."
  type = map(object({
    description          = string
    members              = list(string)
    platform_permissions = optional(list(string), [])
    environments         = map(list(string))
  }))
  default = {
    payments = {
      description          = "Payments service team"
      members              = ["alice@example.com", "bob@example.com"]
      platform_permissions = ["conducts.read"]
      environments = {
        production = ["deployment"]
        staging    = ["deployment", "destruction"]
        sandbox    = ["environment_admin"]
      }
    }
    data = {
      description          = "Data platform team"
      members              = ["carol@example.com", "bob@example.com"]
      platform_permissions = ["model.read"]
      environments = {
        production = ["tunnel", "full_visibility"] # read-only database access
        staging    = ["ops", "tunnel", "sensitive_access"]
      }
    }
    oncall = {
      description          = "Incident response rotation"
      members              = ["dave@example.com"]
      platform_permissions = ["cluster.read", "audit.read"]
      environments = {
        production = ["ops", "full_visibility"]
        staging    = ["ops", "full_visibility"]
      }
    }
  }
}

locals {
  # Everyone in any team, once: a person in two teams is one user in two groups.
  people = toset(flatten([for t in var.teams : t.members]))

  # One entry per team and environment, keyed "team/environment" so that adding or removing
  # one never re-creates the others.
  grants = merge([
    for team, t in var.teams : {
      for env, permissions in t.environments : "${team}/${env}" => {
        team        = team
        environment = env
        permissions = permissions
      }
    }
  ]...)
}

resource "warden_environment" "this" {
  for_each        = var.environments
  name            = each.key
  cloud           = each.value.cloud
  resource_prefix = each.value.resource_prefix
}

resource "warden_user" "people" {
  for_each = local.people
  email    = each.key
}

resource "warden_group" "team" {
  for_each    = var.teams
  name        = each.key
  description = each.value.description
  members     = [for email in each.value.members : warden_user.people[email].id]
}

resource "warden_role" "team" {
  for_each    = var.teams
  name        = each.key
  description = each.value.description
  permissions = each.value.platform_permissions
}

resource "warden_role_assignment" "team" {
  for_each = var.teams
  role_id  = warden_role.team[each.key].id
  group_id = warden_group.team[each.key].id
}

resource "warden_environment_grant" "team" {
  for_each       = local.grants
  role_id        = warden_role.team[each.value.team].id
  environment_id = warden_environment.this[each.value.environment].id
  permissions    = each.value.permissions
}

# Only the environments where the vendor may request access.
resource "warden_support_access" "vendor" {
  for_each       = { for name, e in var.environments : name => e if e.vendor_tier != null }
  environment_id = warden_environment.this[each.key].id
  tier           = each.value.vendor_tier
}

output "team_actions" {
  description = "What each team may do in each environment, known at plan time."
  value       = { for key, g in warden_environment_grant.team : key => g.allowed_actions }
}
