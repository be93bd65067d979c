# Every environment on GCP (omit cloud for all of them).
data "warden_environments" "gcp" {
  cloud = "gcp" # aws | gcp
}

# Vendor support access in each of them.
resource "warden_support_access" "vendor" {
  for_each       = { for e in data.warden_environments.gcp.environments : e.name => e.id }
  environment_id = each.value
  tier           = "operator"
}
