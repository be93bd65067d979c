# The built-in roles cannot be managed, only read and assigned.
data "warden_role" "account_owner" {
  name = "account_owner"
}

resource "warden_user" "cto" {
  email = "cto@example.com"
  name  = "CTO"
}

resource "warden_role_assignment" "cto_owner" {
  role_id = data.warden_role.account_owner.id
  user_id = warden_user.cto.id
}

output "account_owner_is_builtin" {
  value = data.warden_role.account_owner.builtin
}
