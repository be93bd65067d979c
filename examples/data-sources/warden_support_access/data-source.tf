data "warden_environment" "prod" {
  name = "production"
}

# The vendor's support access to production, whoever manages it.
data "warden_support_access" "prod" {
  environment_id = data.warden_environment.prod.id
}

output "vendor_access" {
  value = "${data.warden_support_access.prod.tier} (${data.warden_support_access.prod.status}), until ${coalesce(data.warden_support_access.prod.expires_at, "revoked")}"
}
