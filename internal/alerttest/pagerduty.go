package alerttest

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
)

// PagerDuty Events API v2 event actions and severities.
var (
	pagerDutyActions    = []string{"trigger", "acknowledge", "resolve"}
	pagerDutySeverities = []string{"critical", "error", "warning", "info"}
)

// Event is one request a PagerDutyReceiver got: an Events API v2 event.
type Event struct {
	Request
	RoutingKey string `json:"routing_key"`
	Action     string `json:"event_action"`
	DedupKey   string `json:"dedup_key"`
	Payload    struct {
		Summary       string         `json:"summary"`
		Source        string         `json:"source"`
		Severity      string         `json:"severity"`
		Timestamp     string         `json:"timestamp"`
		Component     string         `json:"component"`
		Group         string         `json:"group"`
		Class         string         `json:"class"`
		CustomDetails map[string]any `json:"custom_details"`
	} `json:"payload"`
	// Body is the whole event as a map, for the fields not above (client, links, images).
	Body map[string]any `json:"-"`
	// Errors are what the 400 answer listed; empty when the event was valid.
	Errors []string `json:"-"`
}

// PagerDutyReceiver is the vendor's on-call as PagerDuty's Events API v2 enqueue endpoint
// (POST /v2/enqueue): it answers a valid event for its routing key 202 and an invalid one 400,
// with PagerDuty's bodies. It records every request and can be made to fail (Endpoint).
//
// It is stricter than PagerDuty in one way: a trigger must carry a dedup_key (PagerDuty would
// make one up), since without it no later resolve can name the incident.
type PagerDutyReceiver struct {
	*Endpoint
	Journal[Event]

	routingKey string
}

// NewPagerDutyReceiver starts the endpoint accepting events for routingKey on a free
// 127.0.0.1 port; it stops when the test ends. Its URL ends in /v2/enqueue.
func NewPagerDutyReceiver(t testing.TB, routingKey string) *PagerDutyReceiver {
	t.Helper()
	pd := &PagerDutyReceiver{routingKey: routingKey}
	pd.Endpoint = newEndpoint(t, "/v2/enqueue", pd.judge)
	return pd
}

// Events is every accepted event, in arrival order.
func (pd *PagerDutyReceiver) Events() []Event { return pd.Accepted() }

// pagerDutyAnswer is the body of PagerDuty's answers, success or not.
type pagerDutyAnswer struct {
	Status   string   `json:"status"`
	Message  string   `json:"message"`
	DedupKey string   `json:"dedup_key,omitempty"`
	Errors   []string `json:"errors,omitempty"`
}

func (pd *PagerDutyReceiver) judge(req Request) (int, any, func(Request)) {
	var ev Event
	ev.Errors = pd.check(req, &ev)
	status := http.StatusAccepted
	answer := pagerDutyAnswer{Status: "success", Message: "Event processed", DedupKey: ev.DedupKey}
	if len(ev.Errors) > 0 {
		status = http.StatusBadRequest
		answer = pagerDutyAnswer{Status: "invalid event", Message: "Event object is invalid", Errors: ev.Errors}
	}
	return status, answer, func(req Request) {
		ev.Request = req
		pd.add(ev)
	}
}

// check parses req into ev and returns what is wrong with it, in PagerDuty's words.
func (pd *PagerDutyReceiver) check(req Request, ev *Event) []string {
	if req.Method != http.MethodPost {
		return []string{"Method must be POST"}
	}
	if err := json.Unmarshal(req.Raw, ev); err != nil {
		return []string{"Could not parse the event as JSON: " + err.Error()}
	}
	_ = json.Unmarshal(req.Raw, &ev.Body)
	var errs []string
	if ev.RoutingKey != pd.routingKey {
		errs = append(errs, "Invalid routing key")
	}
	if !slices.Contains(pagerDutyActions, ev.Action) {
		errs = append(errs, "'event_action' is missing or invalid")
	}
	if ev.DedupKey == "" {
		errs = append(errs, "'dedup_key' is missing")
	}
	// Only a trigger opens an incident, so only a trigger must say what it is about.
	if p := ev.Payload; ev.Action == "trigger" {
		for field, v := range map[string]string{"summary": p.Summary, "source": p.Source, "severity": p.Severity} {
			if v == "" {
				errs = append(errs, "'payload."+field+"' is missing")
			}
		}
		if p.Severity != "" && !slices.Contains(pagerDutySeverities, p.Severity) {
			errs = append(errs, "'payload.severity' is invalid (must be one of critical, error, warning, info)")
		}
	}
	// Sorted: the map's order is random.
	slices.Sort(errs)
	return errs
}
