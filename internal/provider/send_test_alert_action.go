package provider

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ action.Action               = (*sendTestAlertAction)(nil)
	_ action.ActionWithConfigure  = (*sendTestAlertAction)(nil)
	_ action.ActionWithModifyPlan = (*sendTestAlertAction)(nil)
)

// The test alert: its name, what an unset severity, summary and timeout are, and the bounds
// of the timeout.
const (
	testAlertName            = "WardenTestAlert"
	defaultTestAlertSeverity = string(access.AlertCritical)
	defaultTestAlertSummary  = "Test alert sent by Terraform (warden_send_test_alert): no action needed."
	defaultTestAlertTimeout  = "60s"
	minTestAlertTimeout      = time.Second
	maxTestAlertTimeout      = 10 * time.Minute
)

// How often the deliveries are read while some are pending: soon after the alert (a
// receiver on the same network answers in milliseconds), then half as often each time, down
// to once per testAlertPollMax.
const (
	testAlertPollFirst = 100 * time.Millisecond
	testAlertPollMax   = 2 * time.Second
)

// NewSendTestAlertAction returns the warden_send_test_alert action.
func NewSendTestAlertAction() action.Action { return &sendTestAlertAction{} }

// sendTestAlertAction sends one test alert into an environment, as its monitoring system
// would, and waits for its deliveries: the proof that the routing and every receiver work.
type sendTestAlertAction struct {
	client *client.Client
}

type sendTestAlertActionModel struct {
	EnvironmentID types.String `tfsdk:"environment_id"`
	Severity      types.String `tfsdk:"severity"`
	Summary       types.String `tfsdk:"summary"`
	Timeout       types.String `tfsdk:"timeout"`
}

func (m *sendTestAlertActionModel) severity() string {
	return stringOr(m.Severity, defaultTestAlertSeverity)
}

// timeout is the configured wait, or the default; the schema's validator has checked it.
func (m *sendTestAlertActionModel) timeout() time.Duration {
	d, _ := time.ParseDuration(stringOr(m.Timeout, defaultTestAlertTimeout))
	return d
}

// toAPI is the test alert in Alertmanager's form, labelled with id so that the server never
// takes it for a repeat of an earlier test (which it would not route again).
func (m *sendTestAlertActionModel) toAPI(id string, now time.Time) client.AlertmanagerPayload {
	labels := map[string]string{"alertname": testAlertName, "severity": m.severity(), "warden_test": "true", "warden_test_id": id}
	annotations := map[string]string{"summary": stringOr(m.Summary, defaultTestAlertSummary)}
	return client.AlertmanagerPayload{
		Version: "4", Status: api.AlertFiring, Receiver: "terraform", CommonLabels: labels, CommonAnnotations: annotations,
		Alerts: []client.AlertmanagerAlert{{Status: api.AlertFiring, Labels: labels, Annotations: annotations, StartsAt: now.UTC()}},
	}
}

func (a *sendTestAlertAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_send_test_alert"
}

func (a *sendTestAlertAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Sends one test alert into an environment, as its monitoring system would, and waits until every recipient " +
			"the routing chose has it: the proof, after changing `warden_alert_routing` or adding a `warden_alert_destination`, " +
			"that alerts reach the vendor's on-call and each destination. The alert is routed and delivered as any other of its " +
			"severity — with `vendor_routing` on, the vendor's on-call is paged too — and is marked as a test (`test = true` in the API, " +
			"labels `alertname = \"" + testAlertName + "\"` and `warden_test = \"true\"`). Requires `cluster.admin`.\n\n" +
			"While it waits, it reports each recipient as its delivery progresses (`webhook https://hooks.example.com/…: delivered " +
			"(HTTP 204, 12 ms)`), and each recipient the routing left out, and why. It fails, naming each recipient with its last " +
			"error and what to do, when any chosen recipient did not accept the alert — its delivery `failed`, is `gone` or " +
			"`undeliverable`, or was still `pending` when `timeout` ran out — and when the routing chose nobody at all: a test " +
			"alert that reaches nobody is what the test is there to find.\n\n" +
			"Run it with `terraform apply -invoke=action.warden_send_test_alert.<name>` (Terraform 1.14 or later); read the " +
			"deliveries afterwards with the `warden_alert_deliveries` data source.",
		Attributes: map[string]schema.Attribute{
			"environment_id": schema.StringAttribute{
				MarkdownDescription: "The environment the alert is sent to, e.g. `warden_environment.prod.id`. The plan checks that it exists.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"severity": schema.StringAttribute{
				MarkdownDescription: "The alert's severity: " + mdList(access.AlertSeverityNames()) + ". Default `" + defaultTestAlertSeverity +
					"`, the highest, which every destination receives whatever its `min_severity`, so that one invocation tests them all; " +
					"a lower one also tests which destinations it leaves out.",
				Optional:   true,
				Validators: []validator.String{oneOf(access.AlertSeverityNames()...)},
			},
			"summary": schema.StringAttribute{
				MarkdownDescription: "The alert's one line (its `summary` annotation), e.g. the change being tested. Default `" + defaultTestAlertSummary +
					"` At most 1024 characters; no control characters.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthBetween(1, 1024), textRule()},
			},
			"timeout": schema.StringAttribute{
				MarkdownDescription: "How long to wait for the deliveries, as a duration such as `\"90s\"` or `\"5m\"`: from " +
					shortDuration(minTestAlertTimeout) + " to " + shortDuration(maxTestAlertTimeout) + ", default `" + defaultTestAlertTimeout + "`. " +
					"A delivery still pending when it runs out fails the action; the server goes on attempting it on its retry schedule.",
				Optional:   true,
				Validators: []validator.String{durationBetween(minTestAlertTimeout, maxTestAlertTimeout)},
			},
		},
	}
}

// ModifyPlan checks at plan that the environment exists.
func (a *sendTestAlertAction) ModifyPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	if a.client == nil || req.Config.Raw.IsNull() {
		return
	}
	var cfg sendTestAlertActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if !resp.Diagnostics.HasError() {
		checkEnvironment(ctx, a.client, cfg.EnvironmentID, &resp.Diagnostics)
	}
}

func (a *sendTestAlertAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	if d := castProviderData(req.ProviderData, &resp.Diagnostics); d != nil {
		a.client = d.Client
	}
}

// sendAdvice says, of a 403, that only cluster.admin may send a test alert.
var sendAdvice = clusterAdminAdvice("warden_send_test_alert posts the alert with the provider's token, as a test, " +
	"which only a holder of the cluster.admin platform permission may.")

// Invoke sends the alert, says whom the routing left out, waits for the deliveries to the
// chosen recipients, saying how each goes, and fails unless each was delivered.
func (a *sendTestAlertAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var cfg sendTestAlertActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	progress := progressOf(resp)
	envID := cfg.EnvironmentID.ValueString()
	sent, err := a.client.IngestAlerts(ctx, envID, cfg.toAPI(rand.Text(), time.Now()))
	if err != nil {
		addAPIErrorAt(&resp.Diagnostics, "Send Test Alert", err, sendAdvice)
		return
	}
	if len(sent.Alerts) != 1 {
		resp.Diagnostics.AddError("Unable to Send Test Alert",
			fmt.Sprintf("The Warden API answered the one test alert with %d alerts. Check that the server and the provider are of the same release.", len(sent.Alerts)))
		return
	}
	alert, err := a.client.GetAlert(ctx, envID, sent.Alerts[0].ID)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Read Test Alert", err)
		return
	}
	chosen := 0
	for _, r := range alert.Routing {
		if r.Chosen {
			chosen++
		}
	}
	progress("Sent test alert %s (severity %s) to environment %s: the routing chose %d of %d recipients.", alert.ID, alert.Severity, envID,
		chosen, len(alert.Routing))
	for _, r := range alert.Routing {
		if !r.Chosen {
			progress("%s: left out: %s", recipientName(r.Kind, r.Target), r.Detail)
		}
	}
	if chosen == 0 {
		resp.Diagnostics.AddError("Test Alert Reached Nobody", nobodyDetail(alert))
		return
	}
	timeout := cfg.timeout()
	ds, err := a.watch(ctx, envID, alert.ID, time.Now().Add(timeout), progress)
	switch {
	case ctx.Err() != nil:
		resp.Diagnostics.AddError("Test Alert Interrupted",
			fmt.Sprintf("Terraform stopped the action while it waited for the deliveries of test alert %s; the server goes on delivering it. "+
				"Read them with the warden_alert_deliveries data source (alert_id = %q).", alert.ID, alert.ID))
	case err != nil:
		addAPIError(&resp.Diagnostics, "Read Test Alert Deliveries", err)
	default:
		reportDeliveries(&resp.Diagnostics, alert, ds, timeout)
	}
}

// watch reads the alert's deliveries until none is pending or the deadline passes, and says
// of each, whenever its status or attempt count changed, where it stands. It returns them as
// last read.
func (a *sendTestAlertAction) watch(ctx context.Context, envID, alertID string, deadline time.Time, progress func(string, ...any)) ([]api.AlertDelivery, error) {
	said := map[string]string{}
	for wait := testAlertPollFirst; ; wait = min(2*wait, testAlertPollMax) {
		ds, err := a.client.ListAlertDeliveries(ctx, envID, client.DeliveryFilter{AlertID: alertID})
		if err != nil {
			return nil, err
		}
		pending := false
		for _, d := range ds {
			if seen := fmt.Sprint(d.Status, d.AttemptCount); said[d.ID] != seen {
				said[d.ID] = seen
				progress("%s", deliveryLine(d, time.Now()))
			}
			pending = pending || d.Status == api.DeliveryPending
		}
		left := time.Until(deadline)
		if !pending || left <= 0 {
			return ds, nil
		}
		t := time.NewTimer(min(wait, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return ds, ctx.Err()
		case <-t.C:
		}
	}
}

// recipientName names a recipient in messages; a webhook's URL without its secret parts,
// since messages end up in CI logs.
func recipientName(kind, target string) string {
	if kind == api.RecipientVendor {
		return "vendor on-call"
	}
	return kind + " " + access.RedactTarget(kind, target)
}

// deliveryLine says where a delivery stands, e.g. "webhook https://…: attempt 2 failed: HTTP
// 503 Service Unavailable, next attempt in 5s".
func deliveryLine(d api.AlertDelivery, now time.Time) string {
	who := recipientName(d.Kind, d.Target)
	var last api.AlertAttempt
	if n := len(d.Attempts); n > 0 {
		last = d.Attempts[n-1]
	}
	switch d.Status {
	case api.DeliveryDelivered:
		reply := "HTTP"
		if d.Kind == api.RecipientEmail {
			reply = "SMTP"
		}
		return fmt.Sprintf("%s: delivered (%s %d, %d ms)", who, reply, last.StatusCode, last.LatencyMS)
	case api.DeliveryPending:
		if last.N == 0 {
			return who + ": pending, waiting for the first attempt"
		}
		next := "soon"
		if d.NextAttemptAt != nil {
			next = "in " + shortDuration(max(0, d.NextAttemptAt.Sub(now)))
		}
		return fmt.Sprintf("%s: attempt %d failed: %s, next attempt %s", who, last.N, last.Error, next)
	case api.DeliveryFailed:
		return fmt.Sprintf("%s: failed after %s: %s", who, plural(d.AttemptCount, "attempt", "attempts"), d.LastError)
	}
	return fmt.Sprintf("%s: %s: %s", who, d.Status, d.LastError) // gone, undeliverable
}

// deliveryFix says what to do about a delivery that did not reach its recipient.
func deliveryFix(d api.AlertDelivery, envID string, timeout time.Duration) string {
	switch {
	case d.Status == api.DeliveryPending && d.AttemptCount == 0:
		return fmt.Sprintf("No attempt was made within the timeout (%s): check that the Warden server's alert dispatcher runs, or raise timeout.", shortDuration(timeout))
	case d.Status == api.DeliveryPending:
		return fmt.Sprintf("It was still pending when the timeout (%s) ran out; the server goes on attempting it on its retry schedule. "+
			"Make the receiver answer 2xx, or raise timeout.", shortDuration(timeout))
	case d.Status == api.DeliveryFailed:
		return fmt.Sprintf("Every attempt of the server's retry schedule failed. Make the receiver answer 2xx, then invoke the action again "+
			"(or retry delivery %s of environment %s through the Warden API).", d.ID, envID)
	case d.Status == api.DeliveryGone:
		return "The receiver answered 410 Gone: it accepts no more deliveries. Remove the destination, or point it at a receiver that accepts them."
	case d.Status != api.DeliveryUndeliverable:
		return ""
	case d.Kind == api.RecipientVendor:
		return "Whoever runs the Warden server configures the vendor's endpoint (-vendor-alert-url); until then, set vendor_routing = false " +
			"in warden_alert_routing if this environment should not page the vendor."
	case d.Kind == api.RecipientEmail:
		return "Whoever runs the Warden server configures a mail server (-smtp-url, -smtp-from); until then, remove the email destination or use a webhook."
	}
	return ""
}

// reportDeliveries fails the action when any delivery did not reach its recipient, naming
// each with its last error and what to do.
func reportDeliveries(diags *diag.Diagnostics, alert *api.Alert, ds []api.AlertDelivery, timeout time.Duration) {
	var missed, delivered []string
	for _, d := range ds {
		if d.Status == api.DeliveryDelivered {
			delivered = append(delivered, recipientName(d.Kind, d.Target))
			continue
		}
		missed = append(missed, "- "+deliveryLine(d, time.Now())+". "+deliveryFix(d, alert.EnvironmentID, timeout))
	}
	if len(missed) == 0 {
		return
	}
	detail := fmt.Sprintf("Test alert %s (severity %s) did not reach %d of %s:\n%s", alert.ID, alert.Severity, len(missed),
		plural(len(ds), "recipient", "recipients"), strings.Join(missed, "\n"))
	if len(delivered) > 0 {
		detail += "\n\nDelivered to " + strings.Join(delivered, ", ") + "."
	}
	detail += fmt.Sprintf("\n\nEvery attempt: the warden_alert_deliveries data source with alert_id = %q.", alert.ID)
	diags.AddError("Test Alert Not Delivered", detail)
}

// nobodyDetail says why the routing chose no recipient, and how to change that.
func nobodyDetail(alert *api.Alert) string {
	lines := make([]string, len(alert.Routing))
	for i, r := range alert.Routing {
		lines[i] = "- " + recipientName(r.Kind, r.Target) + ": " + r.Detail
	}
	return fmt.Sprintf("The routing of environment %s sent test alert %s (severity %s) to no recipient:\n%s\n\n"+
		"Turn vendor_routing on or add a destination (warden_alert_routing, warden_alert_destination), "+
		"or send the alert at a severity a destination takes (severity = %q reaches every destination).",
		alert.EnvironmentID, alert.ID, alert.Severity, strings.Join(lines, "\n"), string(access.AlertCritical))
}
