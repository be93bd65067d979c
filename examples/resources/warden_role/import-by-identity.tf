# Terraform 1.12 and later: adopt an existing role by its identity, its id. The built-in
# account_owner and deploy_owner cannot be imported: read them with the warden_role data source.
import {
  to = warden_role.deployers
  identity = {
    id = "role_d5m8q2w7k4x9t3z6vbhnjcfr4p"
  }
}
