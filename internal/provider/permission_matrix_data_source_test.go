package provider

import (
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
)

func TestAccPermissionMatrixDataSource_basic(t *testing.T) {
	srv := acctest.NewServer(t)
	const addr = "data.warden_permission_matrix.test"

	perms := make([]knownvalue.Check, 0, 8)
	for _, p := range access.Permissions() {
		perms = append(perms, knownvalue.ObjectExact(map[string]knownvalue.Check{
			"name":        knownvalue.StringExact(string(p.Name)),
			"description": knownvalue.StringExact(p.Description),
		}))
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: srv.Config(`data "warden_permission_matrix" "test" {}`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("version"), knownvalue.StringExact(access.MatrixVersion)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("provider_version_matches"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("permissions"), knownvalue.ListExact(perms)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("actions"), knownvalue.ListSizeExact(len(access.Matrix()))),
			},
			Check: checkMatrixRows(addr),
		}},
	})
}

// checkMatrixRows walks the data source's actions in the state and requires every row of
// access.Matrix(), each action exactly once, with the same permissions (in any order: any one
// suffices, so order carries no meaning).
func checkMatrixRows(addr string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s not in state", addr)
		}
		attrs := rs.Primary.Attributes
		n, err := strconv.Atoi(attrs["actions.#"])
		if err != nil {
			return fmt.Errorf("actions.#: %w", err)
		}
		got := map[string][]string{}
		for i := range n {
			action := attrs[fmt.Sprintf("actions.%d.action", i)]
			if _, dup := got[action]; dup {
				return fmt.Errorf("action %q appears twice", action)
			}
			m, err := strconv.Atoi(attrs[fmt.Sprintf("actions.%d.permissions.#", i)])
			if err != nil {
				return fmt.Errorf("actions.%d.permissions.#: %w", i, err)
			}
			ps := make([]string, m)
			for j := range m {
				ps[j] = attrs[fmt.Sprintf("actions.%d.permissions.%d", i, j)]
			}
			slices.Sort(ps)
			got[action] = ps
		}
		rows := access.Matrix()
		if len(got) != len(rows) {
			return fmt.Errorf("state has %d actions, the matrix %d", len(got), len(rows))
		}
		for _, row := range rows {
			want := make([]string, len(row.Permissions))
			for i, p := range row.Permissions {
				want[i] = string(p)
			}
			slices.Sort(want)
			ps, ok := got[row.Action]
			if !ok {
				return fmt.Errorf("action %q missing from the data source", row.Action)
			}
			if !slices.Equal(ps, want) {
				return fmt.Errorf("action %q: data source says %v, access.Matrix() %v", row.Action, ps, want)
			}
		}
		return nil
	}
}
