# Configure the Warden provider. Both settings can come from the environment instead:
# WARDEN_ENDPOINT and WARDEN_TOKEN; a value set here wins over the environment.
provider "warden" {
  endpoint = "http://127.0.0.1:8080"
  token    = var.warden_token
}

variable "warden_token" {
  type      = string
  sensitive = true
}
