resource "warden_environment" "prod" {
  name  = "production"
  cloud = "gcp"
}

resource "warden_support_access" "vendor_prod" {
  environment_id = warden_environment.prod.id
  tier           = "operator"
}

# Vendor engineers file access requests through the Warden API. Find the one to approve…
data "warden_access_requests" "pending" {
  environment_id = warden_environment.prod.id
  status         = "pending"
}

# …and approve it by id. The engineer then holds the tier for the requested duration,
# counted from this approval (never past the support access's own expiry). Destroying
# this resource revokes the approval.
resource "warden_access_request_approval" "incident_4711" {
  access_request_id = one([for r in data.warden_access_requests.pending.access_requests : r.id if r.reason == "INC-4711"])
  depends_on        = [warden_support_access.vendor_prod]
}

output "vendor_access_ends" {
  value = warden_access_request_approval.incident_4711.expires_at
}
