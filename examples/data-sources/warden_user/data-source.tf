# A user managed elsewhere, looked up by e-mail address (or by id).
data "warden_user" "carol" {
  email = "carol@example.com"
}

resource "warden_group" "auditors" {
  name    = "auditors"
  members = [data.warden_user.carol.id]
}
