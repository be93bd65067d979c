resource "warden_environment" "production" {
  name  = "production"
  cloud = "gcp"
}

# A custom prefix: vendor support access reaches only resources named stg_*.
resource "warden_environment" "staging" {
  name            = "staging"
  cloud           = "aws"
  resource_prefix = "stg_"
}
