# Configure the Warden provider. Every setting can come from the environment instead:
# WARDEN_ENDPOINT, WARDEN_TOKEN, WARDEN_CA_CERTIFICATE and WARDEN_INSECURE; a value set here
# wins over the environment.
provider "warden" {
  endpoint = "http://127.0.0.1:8080"
  token    = var.warden_token
}

# A production server speaks HTTPS (warden-server -tls-cert/-tls-key). When a private CA signed
# its certificate, trust that CA in addition to the system's roots:
#
# provider "warden" {
#   endpoint       = "https://warden.internal.example.com"
#   token          = var.warden_token
#   ca_certificate = file("${path.module}/warden-ca.pem")
# }

variable "warden_token" {
  type      = string
  sensitive = true
}
