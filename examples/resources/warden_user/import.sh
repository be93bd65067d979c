# A user imports by its id (its state id), e.g. from the warden_user or warden_users data source.
terraform import warden_user.example usr_k7x2m9q4t8w3z5v6bdnrcgd4fh
