# Every environment on gcp whose name starts with "prod".
list "warden_environment" "gcp_production" {
  provider = warden

  config {
    cloud       = "gcp" # aws | gcp
    name_prefix = "prod"
  }
}

# One environment by name, with its attributes (include_resource).
list "warden_environment" "production" {
  provider         = warden
  include_resource = true

  config {
    name = "production"
  }
}
