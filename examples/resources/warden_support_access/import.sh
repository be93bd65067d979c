# Support access imports by its environment's id <environment_id> (an environment has at most one), or by its own id <support_access_id> (sup_…).
terraform import warden_support_access.example env_0123456789
terraform import warden_support_access.example sup_0123456789
