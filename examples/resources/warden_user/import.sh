# A user is imported by its id.
terraform import warden_user.example usr_k7x2m9q4t8w3z5v6bdnrcgd4fh
