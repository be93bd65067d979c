# Terraform 1.12 and later: adopt the vendor's support access by its identity, the
# environment (an environment has at most one).
import {
  to = warden_support_access.vendor_prod
  identity = {
    environment_id = "env_0123456789"
  }
}
