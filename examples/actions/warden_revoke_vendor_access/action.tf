# Break-glass: end every vendor user's access to production at once, with
#   terraform apply -invoke=action.warden_revoke_vendor_access.production
# (Terraform 1.14 or later). Declaring the action changes nothing: only invoking it does.
data "warden_environment" "prod" {
  name = "production"
}

action "warden_revoke_vendor_access" "production" {
  config {
    environment_id = data.warden_environment.prod.id
    reason         = "INC-4711: suspicious vendor activity" # recorded in the audit log
  }
}

# Only one vendor engineer's access requests, e.g. when that account is compromised:
#   terraform apply -invoke=action.warden_revoke_vendor_access.oncall
# Standing access (require_approval = false) ends too: it is not per user.
data "warden_user" "oncall" {
  email = "oncall@vendor.example"
}

action "warden_revoke_vendor_access" "oncall" {
  config {
    environment_id = data.warden_environment.prod.id
    user_id        = data.warden_user.oncall.id
    reason         = "INC-4712: oncall@vendor.example's token leaked"
  }
}
