# Support access that has expired and authorizes nothing: candidates for removal or renewal.
list "warden_support_access" "expired" {
  provider = warden

  config {
    status = "expired" # active | expired
  }
}

# Where the vendor may act as operator.
list "warden_support_access" "operator" {
  provider         = warden
  include_resource = true

  config {
    tier = "operator" # support | operator | co_maintainer
  }
}
