# adopt.tfquery.hcl: every object a team's access is made of. `terraform query` lists them;
# `terraform query -generate-config-out=adopted.tf` writes a resource and an import block
# for each. The provider block is the configuration's own (main.tf).
#
# Terraform returns at most 100 results per list block unless limit says otherwise.

list "warden_environment" "all" {
  provider = warden
  limit    = 1000
}

list "warden_user" "all" {
  provider = warden
  limit    = 1000
}

list "warden_group" "all" {
  provider = warden
  limit    = 1000
}

# Custom roles only: the built-in account_owner and deploy_owner cannot be imported.
list "warden_role" "all" {
  provider = warden
  limit    = 1000
}

list "warden_role_assignment" "all" {
  provider = warden
  limit    = 1000
}

list "warden_environment_grant" "all" {
  provider = warden
  limit    = 1000
}

list "warden_support_access" "all" {
  provider = warden
  limit    = 1000
}

list "warden_alert_routing" "all" {
  provider = warden
  limit    = 1000
}
