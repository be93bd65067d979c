package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

func TestAccRolesDataSource_builtinIncludedAndNameFilter(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	deployers, err := srv.Client.CreateRole(ctx, api.RoleCreate{Name: "deployers", Description: "Ships apps", Permissions: []string{"conducts.read"}})
	if err != nil {
		t.Fatal(err)
	}
	owner, err := srv.Client.FindRoleByName(ctx, "account_owner")
	if err != nil {
		t.Fatal(err)
	}
	deployOwner, err := srv.Client.FindRoleByName(ctx, "deploy_owner")
	if err != nil {
		t.Fatal(err)
	}
	role := func(r *api.Role) knownvalue.Check {
		return knownvalue.ObjectExact(map[string]knownvalue.Check{
			"id":          knownvalue.StringExact(r.ID),
			"name":        knownvalue.StringExact(r.Name),
			"description": knownvalue.StringExact(r.Description),
			"permissions": knownStrings(r.Permissions),
			"builtin":     knownvalue.Bool(r.Builtin),
		})
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: srv.Config(`
data "warden_roles" "all" {}
data "warden_roles" "deployers" {
  name = "deployers"
}
data "warden_roles" "owner" {
  name = "account_owner"
}`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.warden_roles.all", tfjsonpath.New("roles"),
						knownvalue.ListExact([]knownvalue.Check{role(owner), role(deployOwner), role(deployers)})),
					statecheck.ExpectKnownValue("data.warden_roles.deployers", tfjsonpath.New("roles"),
						knownvalue.ListExact([]knownvalue.Check{role(deployers)})),
					statecheck.ExpectKnownValue("data.warden_roles.owner", tfjsonpath.New("roles").AtSliceIndex(0).AtMapKey("builtin"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("data.warden_roles.owner", tfjsonpath.New("roles"), knownvalue.ListSizeExact(1)),
				},
			},
		},
	})
}
