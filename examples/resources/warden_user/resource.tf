# One of the customer's engineers.
resource "warden_user" "alice" {
  email = "alice@example.com"
  name  = "Alice"
}

# One of the vendor's on-call engineers: vendor users file access requests for support tiers.
resource "warden_user" "vendor_oncall" {
  email = "oncall@vendor.example"
  name  = "Vendor On-Call"
  kind  = "vendor"
}
