package bench

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/pgtest"
)

// BenchmarkStores applies the same 1,110 objects — 10 environments × 100 roles, 1,000 grants —
// with the provider against a Warden API on SQLite and on PostgreSQL, in one run, and
// reports PostgreSQL's plan and apply as ratios of SQLite's (`make bench-stores`).
func BenchmarkStores(b *testing.B) {
	bin := providerBinary(b)
	tf, err := exec.LookPath("terraform")
	if err != nil {
		b.Skip("terraform is not on PATH")
	}
	const envs, roles = 10, 100
	times := map[string][2]time.Duration{}
	for _, store := range []string{"sqlite", "postgres"} {
		b.Run(store, func(b *testing.B) {
			db := filepath.Join(b.TempDir(), "warden.db")
			if store == "postgres" {
				db = pgtest.URL(b)
			}
			srv := acctest.NewServerOn(b, db)
			overrides := b.TempDir()
			writeProviderWrapper(b, overrides, bin)
			cliConfig := filepath.Join(b.TempDir(), "terraformrc")
			writeFile(b, cliConfig, fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"wardenhq/warden\" = %q\n  }\n  direct {}\n}\n", overrides))
			work := b.TempDir()
			writeFile(b, filepath.Join(work, "main.tf"), matrixConfig(srv, envs, roles))
			par := "-parallelism=" + strconv.Itoa(parallelism)
			apply := terraform(b, tf, work, cliConfig, "", "apply", "-input=false", "-no-color", "-lock=false", par, "-auto-approve")
			plan := terraform(b, tf, work, cliConfig, "", "plan", "-input=false", "-no-color", "-lock=false", par, "-detailed-exitcode")
			times[store] = [2]time.Duration{plan, apply}
			b.ReportMetric(plan.Seconds(), "plan-s")
			b.ReportMetric(apply.Seconds(), "apply-s")
		})
	}
	sq, pg := times["sqlite"], times["postgres"]
	if sq[1] > 0 && pg[1] > 0 {
		fmt.Printf("\n%d objects | plan (refresh) | apply\n---|---|---\nSQLite | %.1f s | %.1f s\nPostgreSQL | %.1f s | %.1f s\nPostgreSQL ÷ SQLite | %.2f× | %.2f×\n",
			envs+roles+envs*roles, sq[0].Seconds(), sq[1].Seconds(), pg[0].Seconds(), pg[1].Seconds(),
			pg[0].Seconds()/sq[0].Seconds(), pg[1].Seconds()/sq[1].Seconds())
	}
}

// matrixConfig declares envs environments, roles roles and a grant of every role in every
// environment: the shape of a team's real configuration.
func matrixConfig(srv *acctest.Server, envs, roles int) string {
	var b strings.Builder
	b.WriteString(`terraform {
  required_providers {
    warden = { source = "wardenhq/warden" }
  }
}
`)
	b.WriteString(srv.ProviderBlock())
	fmt.Fprintf(&b, `
resource "warden_environment" "env" {
  count = %d
  name  = "env-${count.index}"
  cloud = "gcp"
}

resource "warden_role" "role" {
  count = %d
  name  = "role-${count.index}"
}

resource "warden_environment_grant" "grant" {
  count          = %d
  role_id        = warden_role.role[count.index %% %d].id
  environment_id = warden_environment.env[floor(count.index / %d)].id
  permissions    = ["deployment", "ops"]
}
`, envs, roles, envs*roles, roles, roles)
	return b.String()
}
