# Every team group.
list "warden_group" "teams" {
  provider = warden

  config {
    name_prefix = "team-"
  }
}

# The groups one user belongs to: another list block's result gives the user's id.
list "warden_user" "alice" {
  provider = warden

  config {
    email = "alice@example.com"
  }
}

list "warden_group" "alices" {
  provider = warden

  config {
    member_id = list.warden_user.alice.data[0].identity.id
  }
}
