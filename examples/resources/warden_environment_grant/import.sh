# A grant is imported by its role and environment ids: <role_id>/<environment_id>.
terraform import warden_environment_grant.example role_0123456789/env_0123456789
