resource "warden_environment" "prod" {
  name  = "production"
  cloud = "gcp"
}

resource "warden_support_access" "vendor_prod" {
  environment_id = warden_environment.prod.id
  tier           = "operator"
}

# Vendor engineers file access requests through the Warden API (POST /v1/access-requests).
# Approve one by its id: the id the engineer got back, or one that the warden_access_requests
# data source lists with status = "pending". Keep the id itself in the configuration: a lookup
# filtered on status = "pending" finds nothing once the request is approved, and the next plan
# would fail.
variable "access_request_id" {
  type        = string
  description = "The access request to approve (arq_...)."
}

# The engineer then holds the tier for the requested duration, counted from this approval
# (never past the support access's own expiry). Destroying this resource revokes the approval.
resource "warden_access_request_approval" "incident" {
  access_request_id = var.access_request_id
  depends_on        = [warden_support_access.vendor_prod]
}

output "vendor_access_ends" {
  value = warden_access_request_approval.incident.expires_at
}
