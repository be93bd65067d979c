# Platform permissions are the dotted names of the platform catalogue (see the permissions
# reference guide): catalogue names such as users.read, conduct.<conduct_id>.read|admin and
# <model>.create. Unknown names fail the plan with a suggestion.
resource "warden_role" "deployers" {
  name        = "deployers"
  description = "Ships apps"
  permissions = ["conducts.read", "conduct.abc123.admin"]
}

# integrations.admin needs cluster.admin to be useful; listing one without the other warns.
resource "warden_role" "integrators" {
  name        = "integrators"
  description = "Installs and removes integrations"
  permissions = ["integrations.admin", "cluster.admin"]
}
