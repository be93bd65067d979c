package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	tfconfig "github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

func TestAccessRequestApprovalModifyPlan_endedApprovalWarns(t *testing.T) {
	state := map[string]tftypes.Value{
		"id": tfString("arq_1"), "access_request_id": tfString("arq_1"), "environment_id": tfString("env_1"),
		"requester_id": tfString("usr_v"), "tier": tfString("operator"), "status": tfString("revoked"),
		"decided_at": tfString("2026-01-01T00:00:00Z"), "expires_at": tfString("2026-01-01T00:00:00Z"),
	}
	resp := modifyResourcePlan(t, NewAccessRequestApprovalResource(), state, state)
	if resp.Diagnostics.HasError() || !diagAt(resp.Diagnostics, diag.SeverityWarning, "access_request_id", "Access request arq_1 (tier \"operator\" in environment env_1) is revoked") {
		t.Fatalf("got %v", resp.Diagnostics)
	}
	state["status"] = tfString("approved")
	if resp := modifyResourcePlan(t, NewAccessRequestApprovalResource(), state, state); len(resp.Diagnostics) != 0 {
		t.Fatalf("an approved request draws no diagnostics, got %v", resp.Diagnostics)
	}
}

func TestAccessRequestApprovalPlan_showsTheRequest(t *testing.T) {
	decided := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	until := decided.Add(90 * time.Minute)
	ar := &api.AccessRequest{Meta: api.Meta{ID: "arq_1"}, EnvironmentID: "env_1", RequesterID: "usr_v", Tier: "operator",
		DurationSeconds: 5400, Reason: "INC-7 cache stuck", Status: accessRequestPending}
	who := requestParties{RequesterEmail: types.StringValue("oncall@vendor.example"), EnvironmentName: types.StringValue("production")}
	var plan accessRequestApprovalResourceModel
	planApproval(&plan, ar, who)
	want := accessRequestApprovalResourceModel{
		ID: types.StringValue("arq_1"), AccessRequestID: types.StringValue("arq_1"), EnvironmentID: types.StringValue("env_1"),
		EnvironmentName: types.StringValue("production"), RequesterID: types.StringValue("usr_v"), RequesterEmail: types.StringValue("oncall@vendor.example"),
		Tier: types.StringValue("operator"), Duration: types.StringValue("1h30m"), Reason: types.StringValue("INC-7 cache stuck"),
		Status: types.StringValue("approved"), DecidedAt: types.StringUnknown(), ExpiresAt: types.StringUnknown(),
	}
	if plan != want {
		t.Fatalf("planned %+v\nwant    %+v", plan, want)
	}
	// Already approved (Create adopts it): when and until when are known too.
	ar.Status, ar.DecidedAt, ar.ExpiresAt = accessRequestApproved, &decided, &until
	planApproval(&plan, ar, requestParties{RequesterEmail: types.StringNull(), EnvironmentName: types.StringNull()})
	if plan.DecidedAt.ValueString() != "2026-06-01T12:00:00Z" || plan.ExpiresAt.ValueString() != "2026-06-01T13:30:00Z" || !plan.RequesterEmail.IsNull() {
		t.Fatalf("planned %+v", plan)
	}
}

const approvalAddr = "warden_access_request_approval.test"

// approvalConfig approves the request of the environment "production" filed with reason,
// found through the warden_access_requests data source as an operator would.
func approvalConfig(srv *acctest.Server, supportAttrs, reason string) string {
	hcl := fmt.Sprintf(`
resource "warden_environment" "prod" {
  name  = "production"
  cloud = "gcp"
}
resource "warden_support_access" "vendor" {
  environment_id = warden_environment.prod.id
  %s
}`, supportAttrs)
	if reason != "" {
		hcl += fmt.Sprintf(`
data "warden_access_requests" "prod" {
  environment_id = warden_environment.prod.id
}
resource "warden_access_request_approval" "test" {
  access_request_id = one([for r in data.warden_access_requests.prod.access_requests : r.id if r.reason == %q])
  depends_on        = [warden_support_access.vendor]
}`, reason)
	}
	return srv.Config(hcl)
}

// newVendor creates a vendor user and a client authenticated as that user, to file access
// requests as the vendor's engineers do (never through Terraform).
func newVendor(t *testing.T, srv *acctest.Server, email string) (*api.User, *client.Client) {
	t.Helper()
	ctx := context.Background()
	u, err := srv.Client.CreateUser(ctx, api.UserCreate{Email: email, Name: email, Kind: "vendor"})
	if err != nil {
		t.Fatalf("create vendor user: %v", err)
	}
	tok, err := srv.Client.CreateToken(ctx, u.ID, api.TokenCreate{Name: "on-call"})
	if err != nil {
		t.Fatalf("create vendor token: %v", err)
	}
	c, err := client.New(client.Config{Endpoint: srv.URL, Token: tok.Secret})
	if err != nil {
		t.Fatal(err)
	}
	return u, c
}

func fileRequest(t *testing.T, srv *acctest.Server, vendor *client.Client, tier string, seconds int64, reason string) *api.AccessRequest {
	t.Helper()
	env := mustFindEnvironment(t, srv, "production")
	r, err := vendor.CreateAccessRequest(context.Background(), api.AccessRequestCreate{
		EnvironmentID: env.ID, Tier: tier, DurationSeconds: seconds, Reason: reason,
	})
	if err != nil {
		t.Fatalf("file access request: %v", err)
	}
	return r
}

func TestAccAccessRequestApprovalResource_basic(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	var (
		vendorUser *api.User
		vendor     *client.Client
		first      *api.AccessRequest
		second     *api.AccessRequest
	)
	const support = `tier = "operator"`
	authorizeVendor := func(resourceName string) (*api.AuthorizeResponse, error) {
		env := mustFindEnvironment(t, srv, "production")
		return srv.Client.Authorize(ctx, api.AuthorizeRequest{PrincipalID: vendorUser.ID, EnvironmentID: env.ID,
			Action: "operator.reboot_host", Resource: resourceName})
	}
	rfc3339 := knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$`))

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: approvalConfig(srv, support, "")},
			{
				PreConfig: func() {
					vendorUser, vendor = newVendor(t, srv, "oncall@vendor.example")
					first = fileRequest(t, srv, vendor, "operator", 3600, "incident-41")
				},
				Config: approvalConfig(srv, support, "incident-41"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					// The plan shows what is being approved: only when, and until when, wait for the apply.
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(approvalAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("id"), lazyStringExact(func() string { return first.ID })),
						plancheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("environment_id"), lazyStringExact(func() string { return first.EnvironmentID })),
						plancheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("environment_name"), knownvalue.StringExact("production")),
						plancheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("requester_id"), lazyStringExact(func() string { return vendorUser.ID })),
						plancheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("requester_email"), knownvalue.StringExact("oncall@vendor.example")),
						plancheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("tier"), knownvalue.StringExact("operator")),
						plancheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("duration"), knownvalue.StringExact("1h")),
						plancheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("reason"), knownvalue.StringExact("incident-41")),
						plancheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("status"), knownvalue.StringExact("approved")),
						plancheck.ExpectUnknownValue(approvalAddr, tfjsonpath.New("decided_at")),
						plancheck.ExpectUnknownValue(approvalAddr, tfjsonpath.New("expires_at")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("id"), lazyStringExact(func() string { return first.ID })),
					statecheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("access_request_id"), lazyStringExact(func() string { return first.ID })),
					statecheck.CompareValuePairs(approvalAddr, tfjsonpath.New("environment_id"), "warden_environment.prod", tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("environment_name"), knownvalue.StringExact("production")),
					statecheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("requester_id"), lazyStringExact(func() string { return vendorUser.ID })),
					statecheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("requester_email"), knownvalue.StringExact("oncall@vendor.example")),
					statecheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("duration"), knownvalue.StringExact("1h")),
					statecheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("reason"), knownvalue.StringExact("incident-41")),
					statecheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("tier"), knownvalue.StringExact("operator")),
					statecheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("status"), knownvalue.StringExact("approved")),
					statecheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("decided_at"), rfc3339),
					statecheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("expires_at"), rfc3339),
				},
				Check: func(s *terraform.State) error {
					attrs := s.RootModule().Resources[approvalAddr].Primary.Attributes
					ar, err := srv.Client.GetAccessRequest(ctx, first.ID)
					if err != nil {
						return err
					}
					if ar.Status != "approved" || ar.DecidedAt == nil || ar.ExpiresAt == nil {
						return fmt.Errorf("API holds %+v", ar)
					}
					if attrs["decided_at"] != ar.DecidedAt.UTC().Format(time.RFC3339Nano) || attrs["expires_at"] != ar.ExpiresAt.UTC().Format(time.RFC3339Nano) {
						return fmt.Errorf("state decided_at %s expires_at %s, API %v %v", attrs["decided_at"], attrs["expires_at"], ar.DecidedAt, ar.ExpiresAt)
					}
					// The duration counts from the approval, not from the request.
					if got := ar.ExpiresAt.Sub(*ar.DecidedAt); got != time.Hour {
						return fmt.Errorf("expires_at - decided_at = %v, want the requested hour", got)
					}
					if !ar.DecidedAt.After(first.CreatedAt) {
						return fmt.Errorf("decided_at %v is not after the request (%v)", ar.DecidedAt, first.CreatedAt)
					}
					a, err := authorizeVendor("aw_cache")
					if err != nil {
						return err
					}
					if !a.Allowed || a.Via == nil || a.Via.AccessRequestID != first.ID || a.Via.Tier != "operator" {
						return fmt.Errorf("the approved engineer may not reboot aw_cache: %+v via %+v", a, a.Via)
					}
					if a, err := authorizeVendor("cache"); err != nil || a.Allowed {
						return fmt.Errorf("access must be scoped to the resource prefix: %+v, %w", a, err)
					}
					return nil
				},
			},
			{
				ResourceName:      approvalAddr,
				ImportState:       true,
				ImportStateIdFunc: func(*terraform.State) (string, error) { return first.ID, nil },
				ImportStateVerify: true,
			},
			{
				// Removing the approval revokes it.
				Config: approvalConfig(srv, support, ""),
				Check: func(*terraform.State) error {
					ar, err := srv.Client.GetAccessRequest(ctx, first.ID)
					if err != nil {
						return err
					}
					if ar.Status != "revoked" {
						return fmt.Errorf("status after destroy %q, want revoked", ar.Status)
					}
					if a, err := authorizeVendor("aw_cache"); err != nil || a.Allowed {
						return fmt.Errorf("revoked access still authorizes: %+v, %w", a, err)
					}
					return nil
				},
			},
			{
				PreConfig: func() { second = fileRequest(t, srv, vendor, "support", 600, "incident-42") },
				Config:    approvalConfig(srv, support, "incident-42"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("tier"), knownvalue.StringExact("support")),
						plancheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("duration"), knownvalue.StringExact("10m")),
						plancheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("reason"), knownvalue.StringExact("incident-42")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("id"), lazyStringExact(func() string { return second.ID })),
					statecheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("tier"), knownvalue.StringExact("support")),
					statecheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("status"), knownvalue.StringExact("approved")),
				},
			},
			{
				// Revoked outside Terraform: approving again is impossible, so the approval stays in
				// state with its status, and the plan changes nothing (it warns).
				PreConfig: func() {
					if _, err := srv.Client.RevokeAccessRequest(ctx, second.ID); err != nil {
						t.Fatal(err)
					}
				},
				Config: approvalConfig(srv, support, "incident-42"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("status"), knownvalue.StringExact("revoked")),
				},
			},
			{
				// A request decided otherwise fails the plan, not the apply.
				PreConfig: func() {
					denied := fileRequest(t, srv, vendor, "support", 600, "incident-43")
					if _, err := srv.Client.DenyAccessRequest(ctx, denied.ID); err != nil {
						t.Fatal(err)
					}
				},
				Config:      approvalConfig(srv, support, "incident-43"),
				PlanOnly:    true,
				ExpectError: expectDiag("Access Request Cannot Be Approved", "is denied; only a pending request can be approved."),
			},
			{
				// A valid last configuration, for the destroy at the end of the test (which revokes
				// nothing more: the request is already revoked).
				Config: approvalConfig(srv, support, "incident-42"),
			},
		},
	})
}

// TestAccAccessRequestApprovalResource_expired: an approval never outlasts the support access,
// and once it has ended it stays in state with status "expired" and an empty plan.
func TestAccAccessRequestApprovalResource_expired(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	var req *api.AccessRequest
	soon := onceTime(func() time.Time { return time.Now().Add(15 * time.Second).UTC().Truncate(time.Second) })
	config := approvalConfig(srv, `
  tier       = "operator"
  expires_at = var.expires_at
}
variable "expires_at" {
  type = string`, "incident-7")
	vars := tfconfig.Variables{"expires_at": lazyVariable(func() string { return soon().Format(time.RFC3339) })}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: approvalConfig(srv, `tier = "operator"`, "")},
			{
				// The support access gets its expiry in this step, so that it is fixed as late as possible.
				PreConfig: func() {
					_, vendor := newVendor(t, srv, "oncall@vendor.example")
					req = fileRequest(t, srv, vendor, "operator", 3600, "incident-7")
				},
				Config:          config,
				ConfigVariables: vars,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("status"), statusUntil{"approved", soon}),
					// Capped at the support access's own expiry, not approval + one hour.
					statecheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("expires_at"), lazyStringExact(func() string { return soon().Format(time.RFC3339Nano) })),
				},
			},
			{
				// The server's clock passes the approval's end; the provider, on real time, learns
				// of it from the server.
				PreConfig:       func() { srv.Clock.AdvanceTo(soon().Add(time.Second)) },
				Config:          config,
				ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(approvalAddr, tfjsonpath.New("status"), knownvalue.StringExact("expired")),
					statecheck.ExpectKnownValue("warden_support_access.vendor", tfjsonpath.New("status"), knownvalue.StringExact("expired")),
				},
				Check: func(*terraform.State) error {
					ar, err := srv.Client.GetAccessRequest(ctx, req.ID)
					if err != nil {
						return err
					}
					if ar.Status != "expired" {
						return fmt.Errorf("API status %q, want expired", ar.Status)
					}
					return nil
				},
			},
		},
	})
}
