resource "warden_environment" "prod" {
  name  = "production"
  cloud = "gcp"
}

# The vendor's on-call engineers may request up to the operator tier in production, with
# port forwarding to the metrics dashboard, until var.vendor_access_until. Once that instant
# has passed the access authorizes nothing and reads back with status = "expired"; the plan
# then warns and changes nothing. Move the date later to re-activate it in place, or remove
# this block to revoke it.
variable "vendor_access_until" {
  type        = string
  default     = null
  description = "RFC 3339 end of the vendor's access, e.g. 2027-03-31T00:00:00Z; null (the default) means until removed. Must lie in the future when it changes: terraform apply -var vendor_access_until=$(date -u -d '+30 days' +%FT%TZ)."
}

resource "warden_support_access" "vendor_prod" {
  environment_id  = warden_environment.prod.id
  tier            = "operator" # support | operator | co_maintainer (gcp only)
  port_forwarding = true
  expires_at      = var.vendor_access_until
}

# Standing access: every vendor user holds the support tier on staging at once, without an
# access request or an approval; removing the block (or require_approval = true) takes it away.
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
