# Adopt a grant as <role_id>/<environment_id>, or by its own id (the grant_id that
# POST /v1/authorize answers with).
import {
  to = warden_environment_grant.deployers_prod
  id = "role_0123456789/env_0123456789"
}

import {
  to = warden_environment_grant.dba_prod
  id = "grt_0123456789"
}
