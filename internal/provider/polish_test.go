package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// Summaries spell acronyms as acronyms: "Tier requires GCP", never "Tier Requires Gcp".
func TestFindingSummary_acronyms(t *testing.T) {
	if got := findingSummary(access.Finding{Code: access.CodeTierRequiresGCP}); got != "Tier requires GCP" {
		t.Errorf("summary = %q", got)
	}
	if got := findingSummary(access.Finding{Code: access.CodeUnknownPermission}); got != "Unknown Permission" {
		t.Errorf("summary = %q", got)
	}
}

// A name taken by an environment reads "An environment", not "A environment".
func TestAddCreateError_articleOfTheNoun(t *testing.T) {
	for noun, want := range map[string]string{"environment": "An environment named", "role": "A role named", "user": "A user named", "group": "A group named"} {
		var diags diag.Diagnostics
		addCreateError(context.Background(), &diags, "Create X", &client.APIError{Status: 409, Code: api.CodeNameTaken},
			adoption{typeName: "warden_" + noun, noun: noun, field: "name", value: "production",
				lookup: func(context.Context) (string, error) { return "id_1", nil }})
		if _, detail := detailOf(t, diags); !strings.HasPrefix(detail, want+` "production" already exists`) || strings.Contains(detail, "A environment") {
			t.Errorf("%s: %q", noun, detail)
		}
	}
}

// The sensitive target of warden_alert_destination is never printed in its own validation
// error: the diagnostic is on the attribute and says what is wrong, not what was given.
func TestAlertDestinationValidateConfig_targetNeverEchoed(t *testing.T) {
	const secret = "s3cretT0ken"
	for _, c := range []struct{ typ, target string }{
		{"webhook", "ftp://alerts.corp.test/hook?token=" + secret},
		{"webhook", "alerts.corp.test/" + secret},
		{"webhook", "https://alerts.corp.test/cafe\u0065\u0301?token=" + secret},
		{"email", "On Call " + secret + " <oncall@corp.test>"},
	} {
		diags := validateResourceConfig(t, NewAlertDestinationResource(), map[string]tftypes.Value{
			"environment_id": tfString("env_1"), "type": tfString(c.typ), "target": tfString(c.target),
		})
		if !diags.HasError() {
			t.Errorf("%q: no error", c.target)
		}
		for _, d := range diags {
			if strings.Contains(d.Summary()+d.Detail(), secret) || strings.Contains(d.Detail(), "corp.test") {
				t.Errorf("%q: the diagnostic prints the target: %s: %s", c.target, d.Summary(), d.Detail())
			}
		}
	}
}

// TestAccPolish_wording: the plan-time texts of the issue in their new words — an environment
// name taken, co_maintainer on an aws environment, and a sensitive target refused without
// being printed.
func TestAccPolish_wording(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	aws := made(srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "production", Cloud: "aws"}))(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: srv.Config(`
resource "warden_environment" "dup" {
  name  = "production"
  cloud = "gcp"
}`),
				ExpectError: wrappedRegexp(`An environment named "production" already exists (id `+aws.ID+`).`, "Adopt it with:"),
			},
			{
				Config: srv.Config(`
resource "warden_support_access" "vendor" {
  environment_id = "` + aws.ID + `"
  tier           = "co_maintainer"
}`),
				PlanOnly:    true,
				ExpectError: wrappedRegexp("Error: Tier requires GCP", "The co_maintainer tier is available only on gcp environments"),
			},
			{
				Config: srv.Config(`
resource "warden_alert_destination" "hook" {
  environment_id = "` + aws.ID + `"
  type           = "webhook"
  target         = "ftp://alerts.corp.test/hook?token=s3cret"
}`),
				PlanOnly:    true,
				ExpectError: wrappedRegexp("Error: Invalid Destination", "The webhook target must use http or https."),
			},
		},
	})
}
