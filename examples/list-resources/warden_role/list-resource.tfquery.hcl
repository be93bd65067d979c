# The custom roles (built-in ones are left out: they cannot be imported).
list "warden_role" "custom" {
  provider = warden
}

# Roles that may administer users, with their permissions (include_resource).
list "warden_role" "user_admins" {
  provider         = warden
  include_resource = true

  config {
    permission = "users.admin"
  }
}

# account_owner and deploy_owner too, e.g. to find their ids.
list "warden_role" "everything" {
  provider = warden

  config {
    include_builtin = true
  }
}
