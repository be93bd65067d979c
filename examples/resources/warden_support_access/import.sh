# Support access is imported by its environment's id (an environment has at most one).
terraform import warden_support_access.example env_0123456789
