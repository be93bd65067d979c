# A group managed elsewhere, by name (or by id = "grp_...").
data "warden_group" "sre" {
  name = "sre"
}

data "warden_role" "deployers" {
  name = "deployers"
}

# Give the group a role without managing the group here.
resource "warden_role_assignment" "sre_deployers" {
  role_id  = data.warden_role.deployers.id
  group_id = data.warden_group.sre.id
}

output "sre_members" {
  value = data.warden_group.sre.members
}
