# Adopt an existing environment by its id, e.g. from the warden_environments data source.
import {
  to = warden_environment.production
  id = "env_0123456789abcdef"
}
