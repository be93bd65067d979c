resource "warden_user" "alice" {
  email = "alice@example.com"
  name  = "Alice"
}

resource "warden_user" "bob" {
  email = "bob@example.com"
  name  = "Bob"
}

# members is authoritative: anyone added outside Terraform is removed by the next apply.
resource "warden_group" "sre" {
  name        = "sre"
  description = "Site reliability engineers"
  members     = [warden_user.alice.id, warden_user.bob.id]
}
