# Every vendor engineer: who may file access requests.
data "warden_users" "vendors" {
  kind = "vendor" # member | vendor; omit for every user
}

output "vendor_emails" {
  value = [for u in data.warden_users.vendors.users : u.email]
}

# One user by e-mail address, as a list (empty when there is none) rather than an error.
data "warden_users" "alice" {
  email = "alice@example.com"
}

output "alice_exists" {
  value = length(data.warden_users.alice.users) > 0
}
