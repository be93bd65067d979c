# A group another module (or the console) owns; this module only adds its own user.
data "warden_group" "sre" {
  name = "sre"
}

resource "warden_user" "carol" {
  email = "carol@example.com"
}

# Additive: the group's other members are left alone, and destroying this removes only carol.
# The group's warden_group must leave members out: one group, one way of managing members.
resource "warden_group_member" "carol" {
  group_id = data.warden_group.sre.id
  user_id  = warden_user.carol.id
}
