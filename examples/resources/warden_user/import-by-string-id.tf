# Adopt an existing user by its id, e.g. from the warden_user or warden_users data source.
import {
  to = warden_user.alice
  id = "usr_k7x2m9q4t8w3z5v6bdnrcgd4fh"
}
