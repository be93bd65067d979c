resource "warden_environment" "prod" {
  name  = "production"
  cloud = "gcp"
}

# The vendor's on-call engineers may request up to the operator tier in production, with
# port forwarding to the metrics dashboard, until the end of the year. Once expires_at has
# passed the access authorizes nothing and reads back with status = "expired"; the plan
# then warns and changes nothing. Move expires_at later to re-activate it in place, or
# remove this block to revoke it.
resource "warden_support_access" "vendor_prod" {
  environment_id  = warden_environment.prod.id
  tier            = "operator" # support | operator | co_maintainer (gcp only)
  port_forwarding = true
  expires_at      = "2026-12-31T00:00:00Z"
}

# Standing access in one apply, as the Aspect seed does it: every vendor user holds the
# support tier on staging without a request; removing the block (or require_approval = true)
# takes it away.
resource "warden_environment" "staging" {
  name  = "staging"
  cloud = "aws"
}

resource "warden_support_access" "vendor_staging" {
  environment_id   = warden_environment.staging.id
  tier             = "support"
  require_approval = false
}

output "vendor_capabilities" {
  value = warden_support_access.vendor_prod.capabilities
}

output "vendor_access_status" {
  value = warden_support_access.vendor_prod.status
}
