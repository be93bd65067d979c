# A grant imports as <role_id>/<environment_id>, or by its own id <grant_id> (its state id, and the grant_id that /v1/authorize answers with).
terraform import warden_environment_grant.example role_0123456789/env_0123456789
terraform import warden_environment_grant.example grt_0123456789
