# Every group and its members.
data "warden_groups" "all" {}

output "groups" {
  value = { for g in data.warden_groups.all.groups : g.name => g.members }
}
