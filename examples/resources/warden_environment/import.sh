# An environment imports by its id (its state id), e.g. from the warden_environments data source.
terraform import warden_environment.production env_0123456789abcdef
