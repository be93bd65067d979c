# A role imports by its id (its state id), e.g. from the warden_role or warden_roles data source. The built-in account_owner and deploy_owner cannot be imported: read them with the warden_role data source.
terraform import warden_role.example role_d5m8q2w7k4x9t3z6vbhnjcfr4p
