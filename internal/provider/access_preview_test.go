package provider

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// previewCalls counts the server's answers to POST /v1/access-preview, from its own metrics.
func previewCalls(t *testing.T, srv *acctest.Server) int {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+srv.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	n := 0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "warden_http_requests_total{") && strings.Contains(line, `route="/v1/access-preview"`) {
			v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			if err != nil {
				t.Fatalf("metrics line %q: %v", line, err)
			}
			n += int(v)
		}
	}
	return n
}

// expectPreviewCalls is a plan check: the server answered want previews since the count was taken by mark.
type previewCounter struct {
	t    *testing.T
	srv  *acctest.Server
	seen int
}

func (c *previewCounter) mark() { c.seen = previewCalls(c.t, c.srv) }

func (c *previewCounter) expect(want int) plancheck.PlanCheck {
	return planCheckFunc(func() error {
		if got := previewCalls(c.t, c.srv) - c.seen; got != want {
			return fmt.Errorf("the plan asked for %d access previews, want %d", got, want)
		}
		return nil
	})
}

type planCheckFunc func() error

func (f planCheckFunc) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = f()
}

// org is an organization in HCL: four members, the sre group holding deployers, dan
// holding dbas, a grant each in production; the fields say what differs between steps.
type org struct {
	deployers, dbas string // the grants' permissions
	noCarol, noDan  bool   // carol out of sre; dan's assignment gone
	dbasAck         string // the dbas grant's acknowledge_new_access, if any
	extra           string // appended
}

func (o org) String() string {
	sre := `warden_user.alice.id, warden_user.bob.id, warden_user.carol.id`
	if o.noCarol {
		sre = `warden_user.alice.id, warden_user.bob.id`
	}
	dan := `resource "warden_role_assignment" "dan" {
  role_id = warden_role.dbas.id
  user_id = warden_user.dan.id
}`
	if o.noDan {
		dan = ""
	}
	return fmt.Sprintf(`
resource "warden_environment" "prod" {
  name  = "production"
  cloud = "gcp"
}
resource "warden_user" "alice" {
  email = "alice@example.com"
  name  = "Alice"
}
resource "warden_user" "bob" {
  email = "bob@example.com"
  name  = "Bob"
}
resource "warden_user" "carol" {
  email = "carol@example.com"
  name  = "Carol"
}
resource "warden_user" "dan" {
  email = "dan@example.com"
  name  = "Dan"
}
resource "warden_group" "sre" {
  name    = "sre"
  members = [%s]
}
resource "warden_role" "deployers" {
  name = "deployers"
}
resource "warden_role" "dbas" {
  name = "dbas"
}
resource "warden_role_assignment" "sre" {
  role_id  = warden_role.deployers.id
  group_id = warden_group.sre.id
}
%s
resource "warden_environment_grant" "deployers" {
  role_id        = warden_role.deployers.id
  environment_id = warden_environment.prod.id
  permissions    = %s
}
resource "warden_environment_grant" "dbas" {
  role_id        = warden_role.dbas.id
  environment_id = warden_environment.prod.id
  permissions    = %s
  %s
}
%s
`, sre, dan, o.deployers, o.dbas, o.dbasAck, o.extra)
}

// guarded is a provider block with guardrails.
func guarded(srv *acctest.Server, settings string) string {
	return fmt.Sprintf(`
provider "warden" {
  endpoint = %q
  token    = %q
  %s
}
`, srv.URL, srv.Token, settings)
}

const grantType = "warden_environment_grant"

// A plan that edits grants warns, on each grant's permissions, who gains and who loses which
// actions in which environment, by e-mail; a grant of a role created in the same plan says
// it cannot be previewed yet and the plan passes; a plan that changes nothing asks nothing.
func TestAccAccessPreview_grants(t *testing.T) {
	srv := acctest.NewServer(t)
	warnings := &warningLog{}
	calls := &previewCounter{t: t, srv: srv}
	before := org{deployers: `["ops"]`, dbas: `["full_visibility", "sensitive_access"]`}.String()
	after := org{deployers: `["deployment"]`, dbas: `["full_visibility"]`}.String()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: warnings.factories(),
		Steps: []resource.TestStep{
			{
				PreConfig: warnings.reset,
				Config:    srv.Config(before),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					warnings.expectWarning(grantType, atAttr("permissions"), "Access Change Not Previewed Yet",
						"known only after apply: its role is created (or replaced) in this plan"),
				}},
			},
			{
				PreConfig: func() { warnings.reset(); calls.mark() },
				Config:    srv.Config(after),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					warnings.expectWarning(grantType, atAttr("permissions"), "Access Change: 3 users gain",
						"In production, this change gives 3 users apps.configure, apps.create, apps.create_endpoints, apps.deploy, apps.rebuild, apps.rename (and 5 more): "+
							"alice@example.com, bob@example.com and carol@example.com."),
					warnings.expectWarning(grantType, atAttr("permissions"), "Access Change: 1 user loses",
						"In production, this change removes apps.configure, apps.create, apps.ssh, certificates.create, certificates.delete and "+
							"databases.read_credentials from 1 user: dan@example.com."),
					calls.expect(2),
				}},
			},
			{
				// Nothing changes: no resource previews anything.
				PreConfig: func() { warnings.reset(); calls.mark() },
				Config:    srv.Config(after),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
					calls.expect(0),
					warnings.expectNoWarning(grantType, "Access Change: 3 users gain", "Access Change: 1 user loses"),
				}},
			},
		},
	})
}

// Memberships, assignments, support access and users each warn who gains and loses.
func TestAccAccessPreview_principals(t *testing.T) {
	srv := acctest.NewServer(t)
	warnings := &warningLog{}
	// Made outside Terraform: warden_group_member adds to a group that no warden_group of
	// this configuration owns.
	dbas, err := srv.Client.CreateGroup(context.Background(), api.GroupCreate{Name: "dbas"})
	if err != nil {
		t.Fatal(err)
	}
	extra := func(tier string, erin, erinMember bool) string {
		hcl := fmt.Sprintf(`
resource "warden_user" "vendor" {
  email = "oncall@vendor.example"
  name  = "On-call"
  kind  = "vendor"
}
resource "warden_support_access" "prod" {
  environment_id   = warden_environment.prod.id
  tier             = %q
  require_approval = false
}
resource "warden_role_assignment" "dbas" {
  role_id  = warden_role.dbas.id
  group_id = %q
}
`, tier, dbas.ID)
		if erin {
			hcl += `
resource "warden_user" "erin" {
  email = "erin@example.com"
  name  = "Erin"
}
`
		}
		if erinMember {
			hcl += fmt.Sprintf(`
resource "warden_group_member" "erin" {
  group_id = %q
  user_id  = warden_user.erin.id
}
`, dbas.ID)
		}
		return hcl
	}
	o := org{deployers: `["deployment"]`, dbas: `["sensitive_access"]`, extra: extra("support", true, false)}
	step := func(o org, checks ...plancheck.PlanCheck) resource.TestStep {
		return resource.TestStep{PreConfig: warnings.reset, Config: srv.Config(o.String()),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: checks}}
	}
	raised := o
	raised.extra = extra("operator", true, true)
	left := raised
	left.extra = extra("operator", true, false)
	shrunk := left
	shrunk.noDan, shrunk.noCarol = true, true
	erinBack := shrunk
	erinBack.extra = extra("operator", true, true)
	erinGone := erinBack
	erinGone.extra = extra("operator", false, false)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: warnings.factories(),
		Steps: []resource.TestStep{
			step(o),
			// The tier raised: the vendor user (standing access) gains the operator
			// capabilities. Erin joins dbas.
			step(raised,
				warnings.expectWarning("warden_support_access", atAttr("tier"), "Access Change: 1 user gains",
					"In production, this change gives 1 user", "operator.reboot_host", ": oncall@vendor.example."),
				warnings.expectWarning("warden_group_member", atAttr("user_id"), "Access Change: 1 user gains",
					"In production, this change gives 1 user apps.configure, apps.create, apps.read_configuration, apps.ssh, certificates.create, "+
						"certificates.delete (and 1 more): erin@example.com.")),
			// Erin leaves dbas: she loses what it gives.
			step(left, warnings.expectWarning("warden_group_member", tftypes.NewAttributePath(), "Access Change: 1 user loses",
				"In production, this change removes apps.configure, apps.create, apps.read_configuration, apps.ssh, certificates.create, "+
					"certificates.delete (and 1 more) from 1 user: erin@example.com.")),
			// Dan's assignment goes; Carol leaves sre (members, authoritative).
			step(shrunk,
				warnings.expectWarning("warden_role_assignment", tftypes.NewAttributePath(), "Access Change: 1 user loses",
					"In production, this change removes apps.configure,", "(and 1 more) from 1 user: dan@example.com."),
				warnings.expectWarning("warden_group", atAttr("members"), "Access Change: 1 user loses",
					"apps.deploy", "from 1 user: carol@example.com.")),
			step(erinBack),
			// Erin is deleted (her membership with her): she loses everything she held.
			step(erinGone, warnings.expectWarning("warden_user", tftypes.NewAttributePath(), "Access Change: 1 user loses",
				"In production, this change removes apps.configure,", "(and 1 more) from 1 user: erin@example.com.")),
		},
	})
}

// Guardrails: a plan giving anyone a protected action in a protected environment fails,
// naming who, where and what, unless the resource acknowledges it; so does a change that
// cannot be previewed but could give one; a role created in the same plan whose grant gives
// no protected action passes.
func TestAccAccessPreview_guardrails(t *testing.T) {
	srv := acctest.NewServer(t)
	provider := guarded(srv, `protected_actions = ["databases.read_credentials", "cluster.admin"]
  protected_environments = ["production"]`)
	base := org{deployers: `["deployment"]`, dbas: `["full_visibility"]`}
	widened := base
	widened.dbas = `["full_visibility", "sensitive_access"]`
	acked := widened
	acked.dbasAck = `acknowledge_new_access = ["databases.read_credentials"]`
	breakglass := func(ack string) string {
		o := acked
		o.extra = fmt.Sprintf(`
resource "warden_role" "breakglass" {
  name = "breakglass"
}
resource "warden_role_assignment" "breakglass" {
  role_id = warden_role.breakglass.id
  user_id = warden_user.alice.id
}
resource "warden_environment_grant" "breakglass" {
  role_id        = warden_role.breakglass.id
  environment_id = warden_environment.prod.id
  permissions    = ["sensitive_access"]
  %s
}
`, ack)
		return provider + o.String()
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Everything created in one plan: no grant gives a protected action.
			{Config: provider + base.String()},
			{
				Config: provider + widened.String(),
				ExpectError: regexp.MustCompile(`(?s)Protected Access Not Acknowledged.*databases\.read_credentials in\s+production to 1 user:\s+dan@example\.com.*` +
					`acknowledge_new_access\s+=\s+\["databases\.read_credentials"\]`),
			},
			{Config: provider + acked.String()},
			{
				Config: breakglass(""),
				ExpectError: regexp.MustCompile(`(?s)This change could give protected access.*databases\.read_credentials\s+in\s+production.*` +
					`who\s+gains\s+it\s+cannot\s+be\s+known\s+until\s+apply`),
			},
			{Config: breakglass(`acknowledge_new_access = ["databases.read_credentials"]`)},
		},
	})
}

// protected_actions are judged at configuration, with a suggestion.
func TestAccAccessPreview_protectedActionsValidated(t *testing.T) {
	srv := acctest.NewServer(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      guarded(srv, `protected_actions = ["databases.read_credential"]`) + `data "warden_permission_matrix" "m" {}`,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`Unknown Protected Action(?s:.*)Did you mean\s+"databases.read_credentials"\?`),
		}},
	})
}
