resource "warden_user" "alice" {
  email = "alice@example.com"
  name  = "Alice"
}

resource "warden_user" "bob" {
  email = "bob@example.com"
  name  = "Bob"
}

# members, when set, is authoritative: anyone added outside Terraform is removed by the next
# apply. Leave it out to leave membership unmanaged (an imported group keeps its members), or
# add members one by one, from any module, with warden_group_member — never both on one group:
# the plan refuses the mix.
resource "warden_group" "sre" {
  name        = "sre"
  description = "Site reliability engineers"
  members     = [warden_user.alice.id, warden_user.bob.id]
}
