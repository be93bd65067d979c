# Terraform 1.12 and later: adopt an environment's alert routing by its identity, the
# environment (an environment has exactly one).
import {
  to = warden_alert_routing.prod
  identity = {
    environment_id = "env_0123456789"
  }
}
