# An environment imports by its id.
terraform import warden_environment.production env_0123456789abcdef
