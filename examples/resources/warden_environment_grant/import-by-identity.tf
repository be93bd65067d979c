# Terraform 1.12 and later: adopt a grant by its identity, the role and the environment
# (a role has at most one grant in an environment).
import {
  to = warden_environment_grant.deployers_prod
  identity = {
    role_id        = "role_0123456789"
    environment_id = "env_0123456789"
  }
}
