resource "warden_environment" "prod" {
  name  = "production"
  cloud = "gcp"
}

resource "warden_user" "dana" {
  email = "dana@example.com"
  name  = "Dana"
}

resource "warden_group" "dbas" {
  name    = "dbas"
  members = [warden_user.dana.id]
}

resource "warden_role" "dba" {
  name        = "dba"
  description = "Database administrators"
  permissions = ["conducts.read"]
}

resource "warden_role_assignment" "dbas_dba" {
  role_id  = warden_role.dba.id
  group_id = warden_group.dbas.id
}

resource "warden_environment_grant" "dba_prod" {
  role_id        = warden_role.dba.id
  environment_id = warden_environment.prod.id
  permissions    = ["sensitive_access", "ops"]
}

# The vendor's on-call engineer holds co_maintainer in production without a request
# (standing access) until the end of 2030.
resource "warden_user" "oncall" {
  email = "oncall@vendor.example"
  kind  = "vendor"
}

resource "warden_support_access" "vendor_prod" {
  environment_id   = warden_environment.prod.id
  tier             = "co_maintainer"
  require_approval = false
  expires_at       = "2030-12-31T00:00:00Z"
}

# Who can read database credentials in production, and why? (needs users.read)
data "warden_who_can" "prod_db_credentials" {
  environment_id = warden_environment.prod.id
  action         = "databases.read_credentials"

  depends_on = [warden_role_assignment.dbas_dba, warden_environment_grant.dba_prod]
}

output "prod_db_credentials" {
  # e.g. "dana@example.com: role dba via group dbas (sensitive_access)", and the owners
  # ("owner@example.com: role account_owner (environment_admin)").
  value = [for p in data.warden_who_can.prod_db_credentials.principals :
    format("%s: role %s%s (%s)", p.email, p.via[0].role_name,
    p.via[0].group_name != null ? " via group ${p.via[0].group_name}" : "", p.via[0].permission)
  ]
}

# Who has co-maintainer capabilities in production (applying the installation's Terraform
# workspace), through what, and until when? (tier capabilities need cluster.admin)
data "warden_who_can" "prod_co_maintainers" {
  environment_id = warden_environment.prod.id
  action         = "co_maintainer.apply_workspace"

  depends_on = [warden_user.oncall, warden_support_access.vendor_prod]
}

output "prod_co_maintainers" {
  value = { for p in data.warden_who_can.prod_co_maintainers.principals : p.email => {
    through = p.via[0].support_access_id != null ? "standing support access" : "access request ${p.via[0].access_request_id}"
    until   = p.via[0].expires_at
  } }
}

# A review rule as a check: only the dba role, and the organization's owners, read
# production's database credentials.
check "prod_db_credentials_reviewed" {
  assert {
    condition = alltrue([for p in data.warden_who_can.prod_db_credentials.principals :
      anytrue([for v in p.via : contains(["dba", "account_owner", "deploy_owner"], coalesce(v.role_name, "-"))])
    ])
    error_message = "Someone outside the dba role and the owners can read production's database credentials."
  }
}
