package provider

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// progressLog records the progress messages the provider streams to Terraform.
type progressLog struct {
	mu   sync.Mutex
	msgs []string
}

func (l *progressLog) add(m string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, m)
}

// require fails unless a message matching each pattern came, in this order.
func (l *progressLog) require(patterns ...string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	i := 0
	for _, m := range l.msgs {
		if i < len(patterns) && regexp.MustCompile(patterns[i]).MatchString(m) {
			i++
		}
	}
	if i < len(patterns) {
		return fmt.Errorf("no progress message matches %q after the earlier ones; the messages:\n%s", patterns[i], strings.Join(l.msgs, "\n"))
	}
	return nil
}

// progressRecorder serves the provider with each action's progress messages copied into log
// on their way to Terraform: terraform-plugin-testing does not show them to a test.
type progressRecorder struct {
	frameworkServer
	log *progressLog
}

func (p progressRecorder) InvokeAction(ctx context.Context, req *tfprotov6.InvokeActionRequest) (*tfprotov6.InvokeActionServerStream, error) {
	stream, err := p.frameworkServer.InvokeAction(ctx, req)
	if err != nil || stream == nil {
		return stream, err
	}
	events := stream.Events
	stream.Events = iter.Seq[tfprotov6.InvokeActionEvent](func(yield func(tfprotov6.InvokeActionEvent) bool) {
		for e := range events {
			if pe, ok := e.Type.(tfprotov6.ProgressInvokeActionEventType); ok {
				p.log.add(pe.Message)
			}
			if !yield(e) {
				return
			}
		}
	})
	return stream, nil
}

// recordingFactories are the provider factories with progress messages recorded into log.
func recordingFactories(log *progressLog) map[string]func() (tfprotov6.ProviderServer, error) {
	serve := NewProtocol6Server("test")
	return map[string]func() (tfprotov6.ProviderServer, error){
		"warden": func() (tfprotov6.ProviderServer, error) {
			fs, ok := serve().(frameworkServer)
			if !ok {
				return nil, fmt.Errorf("the provider's server serves no actions")
			}
			return progressRecorder{frameworkServer: fs, log: log}, nil
		},
	}
}

// testAlertConfig is the environment "production" with its alert routing (routing: the
// attributes of its warden_alert_routing) and, unless run is "", warden_send_test_alert.test
// (actionAttrs added to its config), which terraform_data.test runs when created and whenever
// run changes.
func testAlertConfig(srv *acctest.Server, routing, actionAttrs, run string) string {
	// A routing that opts out has its environment created opted out (the plan fails otherwise).
	initial := "true"
	if strings.HasPrefix(routing, "vendor_routing = false") {
		initial = "false"
	}
	hcl := fmt.Sprintf(`
resource "warden_environment" "prod" {
  name                   = "production"
  cloud                  = "gcp"
  initial_vendor_routing = %s
}
resource "warden_alert_routing" "prod" {
  environment_id = warden_environment.prod.id
  %s
}
`, initial, routing)
	if run == "" {
		return srv.Config(hcl)
	}
	return srv.Config(hcl + fmt.Sprintf(`
action "warden_send_test_alert" "test" {
  config {
    environment_id = warden_environment.prod.id
    %s
  }
}
resource "terraform_data" "test" {
  input = %q
  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.warden_send_test_alert.test]
    }
  }
  depends_on = [warden_alert_routing.prod]
}
`, actionAttrs, run))
}

// webhookRouting is warden_alert_routing's attributes for vendor routing off and one webhook
// to url that takes every severity.
func webhookRouting(url string) string {
	return fmt.Sprintf(`vendor_routing = false
  destinations   = [{ type = "webhook", target = %q, min_severity = "info" }]`, url)
}

// testAlertDeliveries is the deliveries of the one test alert sent to "production".
func testAlertDeliveries(t *testing.T, srv *acctest.Server) ([]api.AlertDelivery, error) {
	ctx := context.Background()
	env := mustFindEnvironment(t, srv, "production")
	alerts, err := srv.Client.ListAlerts(ctx, env.ID, client.AlertFilter{})
	if err != nil {
		return nil, err
	}
	if len(alerts) != 1 || !alerts[0].Test || alerts[0].Labels["alertname"] != testAlertName || alerts[0].Severity != "critical" {
		return nil, fmt.Errorf("want one critical test alert, the environment has %+v", alerts)
	}
	return srv.Client.ListAlertDeliveries(ctx, env.ID, client.DeliveryFilter{AlertID: alerts[0].ID})
}

// The test alert reaches a webhook on 127.0.0.1: the action succeeds, the receiver got it
// once (with the delivery's id as webhook-id), and Terraform was told how it went.
func TestAccSendTestAlert_delivered(t *testing.T) {
	srv := acctest.NewServer(t)
	receiver := newAlertReceiver(t, http.StatusNoContent)
	hook := receiver.URL + "/hook"
	progress := &progressLog{}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: recordingFactories(progress),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{terraformOnly(version1_14, "actions")},
		Steps: []resource.TestStep{
			{
				Config: testAlertConfig(srv, webhookRouting(hook), `summary = "Testing CHG-1042"`, "first"),
				Check: func(*terraform.State) error {
					ds, err := testAlertDeliveries(t, srv)
					if err != nil {
						return err
					}
					if len(ds) != 1 || ds[0].Status != api.DeliveryDelivered || ds[0].Target != hook {
						return fmt.Errorf("deliveries %+v", ds)
					}
					if ids := receiver.webhookIDs(); len(ids) != 1 || ids[0] != ds[0].ID {
						return fmt.Errorf("the receiver got webhook-ids %q, want once %q", ids, ds[0].ID)
					}
					return progress.require(
						`^Sent test alert alr_\S+ \(severity critical\) to environment env_\S+: the routing chose 1 of 2 recipients\.$`,
						`^vendor on-call: left out: vendor_routing is off`,
						`^webhook `+regexp.QuoteMeta(hook)+`: delivered \(HTTP 204, \d+ ms\)$`)
				},
			},
		},
	})
}

// A destination that answers 503 to every attempt: the action fails naming it, with its
// last error; the receiver saw every attempt of the (acceptance servers' short) schedule.
func TestAccSendTestAlert_notDelivered(t *testing.T) {
	srv := acctest.NewServer(t)
	receiver := newAlertReceiver(t, http.StatusServiceUnavailable)
	hook := receiver.URL + "/hook"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{terraformOnly(version1_14, "actions")},
		Steps: []resource.TestStep{
			{
				Config: testAlertConfig(srv, webhookRouting(hook), `timeout = "30s"`, "first"),
				ExpectError: wrappedRegexp("Test Alert Not Delivered", "did not reach 1 of 1 recipient",
					fmt.Sprintf("webhook %s: failed after %d attempts: HTTP 503 Service Unavailable", hook, len(acctest.RetrySchedule)),
					"Make the receiver answer 2xx, then invoke the action again"),
			},
			{
				// The action gone from the configuration, what the failed one left is read.
				Config: testAlertConfig(srv, webhookRouting(hook), "", ""),
				Check: func(*terraform.State) error {
					ds, err := testAlertDeliveries(t, srv)
					if err != nil {
						return err
					}
					ids := receiver.webhookIDs()
					if len(ds) != 1 || ds[0].Status != api.DeliveryFailed || len(ids) != len(acctest.RetrySchedule) || ids[0] != ds[0].ID {
						return fmt.Errorf("deliveries %+v; the receiver got webhook-ids %q", ds, ids)
					}
					return nil
				},
			},
		},
	})
}

// What the plan checks (severity, timeout, the environment), then two routings that cannot
// reach anyone: the vendor chosen while the server has no vendor endpoint, and nobody chosen.
func TestAccSendTestAlert_reachesNoOne(t *testing.T) {
	srv := acctest.NewServer(t)
	vendorOnly := `vendor_routing = true
  destinations   = []`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{terraformOnly(version1_14, "actions")},
		Steps: []resource.TestStep{
			{
				Config:      testAlertConfig(srv, vendorOnly, `severity = "urgent"`, "a"),
				ExpectError: wrappedRegexp("Invalid severity", `severity must be info, warning, error or critical; got "urgent".`),
			},
			{
				Config:      testAlertConfig(srv, vendorOnly, `timeout = "1h"`, "a"),
				ExpectError: wrappedRegexp("Invalid timeout", `timeout must be a duration from 1s to 10m`, `got "1h".`),
			},
			{
				Config: testAlertConfig(srv, vendorOnly, "", "a") + `
action "warden_send_test_alert" "elsewhere" {
  config {
    environment_id = "env_missing"
  }
}
resource "terraform_data" "elsewhere" {
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.warden_send_test_alert.elsewhere]
    }
  }
}`,
				ExpectError: wrappedRegexp("Environment Not Found", `No environment has the id "env_missing"`),
			},
			{
				Config: testAlertConfig(srv, vendorOnly, "", "b"),
				ExpectError: wrappedRegexp("Test Alert Not Delivered", "vendor on-call: undeliverable:", "-vendor-alert-url",
					"set vendor_routing = false in warden_alert_routing"),
			},
			{
				Config: testAlertConfig(srv, `vendor_routing = false
  destinations   = []`, "", "c"),
				ExpectError: wrappedRegexp("Test Alert Reached Nobody", "to no recipient", "vendor on-call: vendor_routing is off",
					"Turn vendor_routing on or add a destination"),
			},
		},
	})
}

// The documented example, run from a trigger: production's webhook gets the test alert.
func TestAccSendTestAlert_example(t *testing.T) {
	raw, err := os.ReadFile("../../examples/actions/warden_send_test_alert/action.tf")
	if err != nil {
		t.Fatal(err)
	}
	srv := acctest.NewServer(t)
	seedTeam(t, srv, false)
	env := mustFindEnvironment(t, srv, "production")
	receiver := newAlertReceiver(t, http.StatusNoContent)
	routeAlerts(t, srv, env.ID, false, api.Destination{Type: "webhook", Target: receiver.URL + "/hook", MinSeverity: "warning"})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{terraformOnly(version1_14, "actions")},
		Steps: []resource.TestStep{
			{
				Config: srv.Config(string(raw) + `
resource "terraform_data" "test" {
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.warden_send_test_alert.production, action.warden_send_test_alert.warnings]
    }
  }
}`),
				Check: func(*terraform.State) error {
					if n := len(receiver.webhookIDs()); n != 2 {
						return fmt.Errorf("the receiver got %d test alerts, want 2", n)
					}
					return nil
				},
			},
		},
	})
}

// invokeTestAlert runs the action's Invoke outside Terraform as srv's owner, returning the
// progress messages and the diagnostics.
func invokeTestAlert(t *testing.T, srv *acctest.Server, attrs map[string]tftypes.Value) ([]string, diag.Diagnostics) {
	t.Helper()
	ctx := context.Background()
	a := &sendTestAlertAction{}
	var cresp action.ConfigureResponse
	a.Configure(ctx, action.ConfigureRequest{ProviderData: &providerData{Client: srv.Client}}, &cresp)
	var msgs []string
	resp := &action.InvokeResponse{SendProgress: func(e action.InvokeProgressEvent) { msgs = append(msgs, e.Message) }}
	a.Invoke(ctx, action.InvokeRequest{Config: actionConfig(t, a, attrs)}, resp)
	return msgs, resp.Diagnostics
}

// Invoke says whom the routing left out and why, and how each delivery goes; a member may not
// send a test alert, and is told which permission it needs.
func TestSendTestAlertAction_invokeReportsProgress(t *testing.T) {
	srv := acctest.NewServer(t)
	env := newProduction(t, srv)
	receiver := newAlertReceiver(t, http.StatusNoContent)
	hook := receiver.URL + "/hook?token=s3cret"
	routeAlerts(t, srv, env.ID, false,
		api.Destination{Type: "webhook", Target: hook, MinSeverity: "warning"},
		api.Destination{Type: "email", Target: "oncall@example.com", MinSeverity: "critical"})
	msgs, diags := invokeTestAlert(t, srv, map[string]tftypes.Value{"environment_id": tfString(env.ID), "severity": tfString("warning"), "summary": tfString("CHG-7"),
		"timeout": tfString("10s")})
	if diags.HasError() {
		t.Fatalf("diagnostics %v; progress %q", diags, msgs)
	}
	want := []string{
		`^Sent test alert alr_\S+ \(severity warning\) to environment ` + env.ID + `: the routing chose 1 of 3 recipients\.$`,
		`^vendor on-call: left out: vendor_routing is off: the environment opted out of alerts to the vendor's on-call\.$`,
		`^email oncall@example\.com: left out: The alert's severity warning is below this destination's min_severity critical\.$`,
		// The secret in the webhook's query stays out of the messages.
		`^webhook ` + regexp.QuoteMeta(receiver.URL) + `/hook\?token=redacted: delivered \(HTTP 204, \d+ ms\)$`,
	}
	log := &progressLog{msgs: msgs}
	if err := log.require(want...); err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, "s3cret") }) {
		t.Errorf("a progress message shows the webhook's secret: %q", msgs)
	}
	alerts, err := srv.Client.ListAlerts(context.Background(), env.ID, client.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if a := alerts[0]; len(alerts) != 1 || !a.Test || a.Summary != "CHG-7" || a.Labels["warden_test"] != "true" || a.Labels["warden_test_id"] == "" {
		t.Errorf("alerts %+v", alerts)
	}

	member := memberServer(t, srv, "member@example.com")
	_, diags = invokeTestAlert(t, member, map[string]tftypes.Value{"environment_id": tfString(env.ID)})
	if _, detail := detailOf(t, diags); diags[0].Summary() != "Unable to Send Test Alert" ||
		!strings.Contains(detail, "Configure the provider with the token of a user holding cluster.admin") {
		t.Errorf("a member's invoke: %v", diags)
	}
}

// Each status reads as one line in progress messages and in the failure's detail, the webhook's
// secret redacted; each missed recipient gets its own fix.
func TestDeliveryLine_eachStatus(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	next := now.Add(5 * time.Second)
	hook := "https://hooks.example.com/x?token=s3cret"
	failedAttempt := api.AlertAttempt{N: 2, StatusCode: 503, Outcome: api.AttemptRetry, Error: "HTTP 503 Service Unavailable"}
	cases := []struct {
		d         api.AlertDelivery
		line, fix string
	}{
		{api.AlertDelivery{Kind: "vendor", Status: "delivered", Attempts: []api.AlertAttempt{{N: 1, StatusCode: 202, LatencyMS: 12}}},
			"vendor on-call: delivered (HTTP 202, 12 ms)", ""},
		{api.AlertDelivery{Kind: "email", Target: "oncall@example.com", Status: "delivered", Attempts: []api.AlertAttempt{{N: 1, StatusCode: 250, LatencyMS: 40}}},
			"email oncall@example.com: delivered (SMTP 250, 40 ms)", ""},
		{api.AlertDelivery{Kind: "webhook", Target: hook, Status: "pending", NextAttemptAt: &now},
			"webhook https://hooks.example.com/x?token=redacted: pending, waiting for the first attempt", "No attempt was made within the timeout (1m)"},
		{api.AlertDelivery{Kind: "webhook", Target: hook, Status: "pending", AttemptCount: 2, NextAttemptAt: &next, Attempts: []api.AlertAttempt{{N: 1}, failedAttempt}},
			"webhook https://hooks.example.com/x?token=redacted: attempt 2 failed: HTTP 503 Service Unavailable, next attempt in 5s", "still pending when the timeout (1m) ran out"},
		{api.AlertDelivery{ID: "dlv_1", Kind: "webhook", Target: hook, Status: "failed", AttemptCount: 3, LastError: "HTTP 503 Service Unavailable"},
			"webhook https://hooks.example.com/x?token=redacted: failed after 3 attempts: HTTP 503 Service Unavailable", "retry delivery dlv_1 of environment env_1"},
		{api.AlertDelivery{Kind: "webhook", Target: hook, Status: "gone", AttemptCount: 1, LastError: "HTTP 410 Gone"},
			"webhook https://hooks.example.com/x?token=redacted: gone: HTTP 410 Gone", "Remove the destination"},
		{api.AlertDelivery{Kind: "vendor", Status: "undeliverable", LastError: "No endpoint for the vendor's on-call is configured."},
			"vendor on-call: undeliverable: No endpoint for the vendor's on-call is configured.", "-vendor-alert-url"},
		{api.AlertDelivery{Kind: "email", Target: "oncall@example.com", Status: "undeliverable", LastError: "No SMTP server is configured."},
			"email oncall@example.com: undeliverable: No SMTP server is configured.", "-smtp-url"},
	}
	for _, c := range cases {
		if got := deliveryLine(c.d, now); got != c.line {
			t.Errorf("deliveryLine = %q, want %q", got, c.line)
		}
		if fix := deliveryFix(c.d, "env_1", time.Minute); !strings.Contains(fix, c.fix) || (c.fix == "") != (fix == "") {
			t.Errorf("%s: deliveryFix = %q, want it to say %q", c.line, fix, c.fix)
		}
	}

	var diags diag.Diagnostics
	alert := &api.Alert{ID: "alr_1", EnvironmentID: "env_1", Severity: "critical"}
	reportDeliveries(&diags, alert, []api.AlertDelivery{cases[0].d, cases[4].d, cases[6].d}, time.Minute)
	_, detail := detailOf(t, diags)
	for _, want := range []string{"did not reach 2 of 3 recipients", "- " + cases[4].line, "- " + cases[6].line, "Delivered to vendor on-call.", `alert_id = "alr_1"`} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail lacks %q:\n%s", want, detail)
		}
	}
	checkWords(t, detail)
	if strings.Contains(detail, "s3cret") {
		t.Errorf("the detail shows the webhook's secret:\n%s", detail)
	}
	diags = nil
	reportDeliveries(&diags, alert, []api.AlertDelivery{cases[0].d, cases[1].d}, time.Minute)
	if len(diags) != 0 {
		t.Errorf("all delivered: %v", diags)
	}
}
