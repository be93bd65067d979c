data "warden_environment" "prod" {
  name = "production"
}

# Every pending request for production, e.g. to review before approving one with
# warden_access_request_approval.
data "warden_access_requests" "pending" {
  environment_id = data.warden_environment.prod.id
  status         = "pending" # pending | approved | denied | revoked | expired
}

output "pending_requests" {
  value = [for r in data.warden_access_requests.pending.access_requests : "${r.id}: ${r.tier} for ${r.duration_seconds}s (${r.reason})"]
}
