# Every vendor engineer: who may file access requests.
list "warden_user" "vendors" {
  provider = warden

  config {
    kind = "vendor" # member | vendor
  }
}

# The company's own people, by the domain of their e-mail addresses.
list "warden_user" "staff" {
  provider = warden
  limit    = 1000 # Terraform returns at most 100 results per list block unless told otherwise

  config {
    kind         = "member"
    email_domain = "example.com"
  }
}
