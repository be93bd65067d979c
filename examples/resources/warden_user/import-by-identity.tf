# Terraform 1.12 and later: adopt an existing user by its identity, its id.
import {
  to = warden_user.alice
  identity = {
    id = "usr_k7x2m9q4t8w3z5v6bdnrcgd4fh"
  }
}
