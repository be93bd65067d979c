# Support access imports by its environment's id <environment_id> (an environment has at most one).
terraform import warden_support_access.example env_0123456789
