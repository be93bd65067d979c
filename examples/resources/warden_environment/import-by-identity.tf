# Terraform 1.12 and later: adopt an existing environment by its identity, its id.
import {
  to = warden_environment.production
  identity = {
    id = "env_0123456789abcdef"
  }
}
