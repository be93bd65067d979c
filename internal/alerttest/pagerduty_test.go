package alerttest

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"
)

func TestPagerDutyReceiver_acceptsAValidEventWith202(t *testing.T) {
	t.Parallel()
	pd := NewPagerDutyReceiver(t, "wik_routing")
	body := []byte(`{"routing_key":"wik_routing","event_action":"trigger","dedup_key":"fp-1",
		"payload":{"summary":"disk full","source":"warden","severity":"critical","custom_details":{"env":"prod"}},
		"client":"Warden"}`)
	status, answer := mustSend(t, pd.URL(), nil, body)
	if status != http.StatusAccepted {
		t.Fatalf("status %d, want 202: %s", status, answer)
	}
	var got pagerDutyAnswer
	if err := json.Unmarshal(answer, &got); err != nil || got.Status != "success" || got.Message != "Event processed" || got.DedupKey != "fp-1" || got.Errors != nil {
		t.Fatalf("answer %s (%v)", answer, err)
	}
	ev := pd.WaitFor(t, 1, time.Second)[0]
	if ev.Action != "trigger" || ev.Payload.Severity != "critical" || ev.Payload.CustomDetails["env"] != "prod" || ev.Body["client"] != "Warden" {
		t.Errorf("recorded %+v", ev)
	}
	// A resolve needs no payload.
	if status, answer := mustSend(t, pd.URL(), nil, []byte(`{"routing_key":"wik_routing","event_action":"resolve","dedup_key":"fp-1"}`)); status != http.StatusAccepted {
		t.Errorf("resolve: status %d: %s", status, answer)
	}
	if n := len(pd.Events()); n != 2 {
		t.Errorf("%d events, want 2", n)
	}
}

func TestPagerDutyReceiver_rejectsAnInvalidEventWith400(t *testing.T) {
	t.Parallel()
	pd := NewPagerDutyReceiver(t, "wik_routing")
	for name, c := range map[string]struct {
		body string
		want []string
	}{
		"not JSON": {`{`, nil},
		"wrong key and action": {`{"routing_key":"wik_other","event_action":"fire","dedup_key":"k"}`,
			[]string{"'event_action' is missing or invalid", "Invalid routing key"}},
		"trigger without payload or dedup key": {`{"routing_key":"wik_routing","event_action":"trigger"}`,
			[]string{"'dedup_key' is missing", "'payload.severity' is missing", "'payload.source' is missing", "'payload.summary' is missing"}},
		"unknown severity": {`{"routing_key":"wik_routing","event_action":"trigger","dedup_key":"k","payload":{"summary":"s","source":"s","severity":"fatal"}}`,
			[]string{"'payload.severity' is invalid (must be one of critical, error, warning, info)"}},
	} {
		status, answer := mustSend(t, pd.URL(), nil, []byte(c.body))
		var got pagerDutyAnswer
		if err := json.Unmarshal(answer, &got); err != nil || status != http.StatusBadRequest {
			t.Errorf("%s: status %d, answer %s (%v)", name, status, answer, err)
			continue
		}
		if got.Status != "invalid event" || got.Message != "Event object is invalid" || len(got.Errors) == 0 {
			t.Errorf("%s: answer %s", name, answer)
		}
		if c.want != nil && !slices.Equal(got.Errors, c.want) {
			t.Errorf("%s: errors %q, want %q", name, got.Errors, c.want)
		}
	}
	if pd.Count() != 0 || len(pd.All()) != 4 {
		t.Errorf("%d accepted of %d, want 0 of 4", pd.Count(), len(pd.All()))
	}
}

func TestPagerDutyReceiver_sharesTheFaults(t *testing.T) {
	t.Parallel()
	pd := NewPagerDutyReceiver(t, "k")
	pd.Fail(http.StatusTooManyRequests, 1)
	body := []byte(`{"routing_key":"k","event_action":"resolve","dedup_key":"d"}`)
	for _, want := range []int{429, 202} {
		if status, _ := mustSend(t, pd.URL(), nil, body); status != want {
			t.Errorf("status %d, want %d", status, want)
		}
	}
	if status, _ := mustSend(t, pd.URL()+"/elsewhere", nil, body); status != http.StatusNotFound {
		t.Errorf("another path: status %d, want 404", status)
	}
}
