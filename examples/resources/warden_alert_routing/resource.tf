resource "warden_environment" "prod" {
  name  = "production"
  cloud = "gcp"
}

# Take over the routing the environment got at creation: keep the vendor's on-call and add
# the team's own destinations. destinations, when set, is the complete set; leave it out to
# manage only vendor_routing, and let modules add their own with warden_alert_destination
# (never both on one environment: the plan refuses the mix).
resource "warden_alert_routing" "prod" {
  environment_id = warden_environment.prod.id
  vendor_routing = true

  # A set: the order of destinations never causes a diff.
  destinations = [
    {
      type         = "webhook"
      target       = "https://hooks.example.com/warden/prod"
      min_severity = "warning"
    },
    {
      type         = "email"
      target       = "sre-oncall@example.com"
      min_severity = "critical"
    },
  ]
}

# Opt an environment out of vendor routing entirely: created opted out, so that none of its
# alerts ever reaches the vendor, and kept so by its routing.
resource "warden_environment" "sandbox" {
  name                   = "sandbox"
  cloud                  = "aws"
  initial_vendor_routing = false
}

resource "warden_alert_routing" "sandbox" {
  environment_id = warden_environment.sandbox.id
  vendor_routing = false
}
