# The environments that opted out of sending system alerts to the vendor.
list "warden_alert_routing" "opted_out" {
  provider = warden

  config {
    vendor_routing = false
  }
}

# One environment's routing, with its destinations when they are managed as a whole.
list "warden_environment" "production" {
  provider = warden

  config {
    name = "production"
  }
}

list "warden_alert_routing" "production" {
  provider         = warden
  include_resource = true

  config {
    environment_id = list.warden_environment.production.data[0].identity.id
  }
}
