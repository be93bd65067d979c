# Who holds the deployers role, users and groups.
list "warden_role" "deployers" {
  provider = warden

  config {
    name = "deployers"
  }
}

list "warden_role_assignment" "deployers" {
  provider = warden

  config {
    role_id = list.warden_role.deployers.data[0].identity.id
  }
}

# The roles assigned to the sre group.
list "warden_group" "sre" {
  provider = warden

  config {
    name = "sre"
  }
}

list "warden_role_assignment" "sre" {
  provider = warden

  config {
    group_id = list.warden_group.sre.data[0].identity.id # or user_id, not both
  }
}
