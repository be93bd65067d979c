resource "warden_user" "alice" {
  email = "alice@example.com"
}

resource "warden_group" "sre" {
  name    = "sre"
  members = [warden_user.alice.id]
}

resource "warden_role" "deployers" {
  name        = "deployers"
  permissions = ["conducts.read"]
}

# Every member of the group holds the role.
resource "warden_role_assignment" "sre_deployers" {
  role_id  = warden_role.deployers.id
  group_id = warden_group.sre.id
}

# A built-in role, found with the data source, assigned to one user.
data "warden_role" "deploy_owner" {
  name = "deploy_owner"
}

resource "warden_role_assignment" "alice_deploy_owner" {
  role_id = data.warden_role.deploy_owner.id
  user_id = warden_user.alice.id
}
