# Adopt the vendor's support access by its environment's id (an environment has at most one),
# or by its own id (sup_...).
import {
  to = warden_support_access.vendor_prod
  id = "env_0123456789"
}

import {
  to = warden_support_access.vendor_staging
  id = "sup_0123456789"
}
