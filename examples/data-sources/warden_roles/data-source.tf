# Every role, the built-in account_owner and deploy_owner included.
data "warden_roles" "all" {}

output "custom_roles" {
  value = [for r in data.warden_roles.all.roles : r.name if !r.builtin]
}

# Only the role with this name (an empty list when there is none).
data "warden_roles" "deployers" {
  name = "deployers"
}
