package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

func TestAccListUser_filters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := acctest.NewServer(t)
	alice := made(srv.Client.CreateUser(ctx, api.UserCreate{Email: "alice@example.com", Name: "Alice Example"}))(t)
	bob := made(srv.Client.CreateUser(ctx, api.UserCreate{Email: "bob@Example.com"}))(t)
	vera := made(srv.Client.CreateUser(ctx, api.UserCreate{Email: "vera@vendor.example", Name: "Vera", Kind: "vendor"}))(t)
	resource.Test(t, listCase(
		resource.TestStep{
			Query: true,
			Config: srv.ProviderBlock() + `
list "warden_user" "vendor" {
  provider         = warden
  include_resource = true
  config {
    kind = "vendor"
  }
}
list "warden_user" "domain" {
  provider = warden
  config {
    email_domain = "EXAMPLE.com"
  }
}
list "warden_user" "alice" {
  provider = warden
  config {
    email = "alice@example.com"
    kind  = "member"
  }
}
`,
			QueryResultChecks: []querycheck.QueryResultCheck{
				querycheck.ExpectLength("warden_user.vendor", 1),
				querycheck.ExpectResourceDisplayName("warden_user.vendor", byID(vera.ID), knownvalue.StringExact("Vera <vera@vendor.example> (vendor)")),
				querycheck.ExpectResourceKnownValues("warden_user.vendor", byID(vera.ID), []querycheck.KnownValueCheck{
					{Path: tfjsonpath.New("email"), KnownValue: knownvalue.StringExact("vera@vendor.example")},
					{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact("Vera")},
					{Path: tfjsonpath.New("kind"), KnownValue: knownvalue.StringExact("vendor")},
				}),
				// Case-insensitive, and not the bootstrap owner@warden.local nor the vendor.
				querycheck.ExpectLength("warden_user.domain", 2),
				querycheck.ExpectResourceDisplayName("warden_user.domain", byID(alice.ID), knownvalue.StringExact("Alice Example <alice@example.com>")),
				querycheck.ExpectResourceDisplayName("warden_user.domain", byID(bob.ID), knownvalue.StringExact("bob@Example.com")),
				querycheck.ExpectLength("warden_user.alice", 1),
				querycheck.ExpectIdentity("warden_user.alice", map[string]knownvalue.Check{"id": knownvalue.StringExact(alice.ID)}),
			},
		},
		badListQuery(srv, "warden_user", `kind = "robot"`,
			wrappedRegexp(`kind must be member or vendor; got "robot"`)),
		badListQuery(srv, "warden_user", `email_domain = "@vendor.example"`,
			wrappedRegexp(`must be a domain without "@"`)),
	))
}
