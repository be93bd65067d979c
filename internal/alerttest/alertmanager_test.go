package alerttest

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

// notification is Alertmanager's webhook payload, version 4, as far as these tests read it.
type notification struct {
	Version     string `json:"version"`
	GroupKey    string `json:"groupKey"`
	Status      string `json:"status"`
	Receiver    string `json:"receiver"`
	ExternalURL string `json:"externalURL"`
	Alerts      []struct {
		Status       string            `json:"status"`
		Labels       map[string]string `json:"labels"`
		Annotations  map[string]string `json:"annotations"`
		StartsAt     time.Time         `json:"startsAt"`
		EndsAt       time.Time         `json:"endsAt"`
		GeneratorURL string            `json:"generatorURL"`
		Fingerprint  string            `json:"fingerprint"`
	} `json:"alerts"`
}

func decodeNotification(t *testing.T, d Delivery) notification {
	t.Helper()
	var n notification
	if err := d.Decode(&n); err != nil {
		t.Fatalf("notification %s: %v", d.Raw, err)
	}
	if len(n.Alerts) != 1 {
		t.Fatalf("notification with %d alerts, want 1 (group_by: ['...']): %s", len(n.Alerts), d.Raw)
	}
	return n
}

var diskFull = PostableAlert{
	Labels:       map[string]string{"alertname": "DiskFull", "severity": "critical", "instance": "db-1"},
	Annotations:  map[string]string{"summary": "the disk of db-1 is full"},
	GeneratorURL: "http://prometheus.example/graph?g0.expr=disk",
}

func TestAlertmanager_sendsEachAlertWithTheBearerTokenThenItsResolution(t *testing.T) {
	t.Parallel()
	wr := NewUnsignedReceiver(t)
	am := StartAlertmanager(t, AlertmanagerConfig{URL: wr.URL(), Token: "wik_test-ingest-key"})
	if err := am.Post(t.Context(), diskFull); err != nil {
		t.Fatal(err)
	}
	firing := wr.WaitFor(t, 1, 10*time.Second)[0]
	if got := firing.Header.Get("Authorization"); got != "Bearer wik_test-ingest-key" {
		t.Errorf("Authorization %q", got)
	}
	n := decodeNotification(t, firing)
	a := n.Alerts[0]
	if n.Version != "4" || n.Status != "firing" || n.Receiver != "warden" || n.GroupKey == "" || n.ExternalURL != am.URL || a.Status != "firing" {
		t.Errorf("notification %s", firing.Raw)
	}
	if a.Labels["alertname"] != "DiskFull" || a.Labels["instance"] != "db-1" || a.Annotations["summary"] != diskFull.Annotations["summary"] ||
		a.GeneratorURL != diskFull.GeneratorURL || a.Fingerprint == "" {
		t.Errorf("alert %+v", a)
	}

	if err := am.Resolve(t.Context(), diskFull); err != nil {
		t.Fatal(err)
	}
	resolved := decodeNotification(t, wr.WaitFor(t, 2, 10*time.Second)[1])
	r := resolved.Alerts[0]
	if resolved.Status != "resolved" || r.Status != "resolved" || r.Fingerprint != a.Fingerprint || !r.StartsAt.Equal(a.StartsAt) || r.EndsAt.IsZero() {
		t.Errorf("resolution %+v, of %+v", r, a)
	}
}

func TestAlertmanager_twoWithOneConfigSendEveryAlertTwice(t *testing.T) {
	t.Parallel()
	wr := NewUnsignedReceiver(t)
	cfg := AlertmanagerConfig{URL: wr.URL(), Token: "wik_pair"}
	pair := []*Alertmanager{StartAlertmanager(t, cfg), StartAlertmanager(t, cfg)}
	if pair[0].URL == pair[1].URL {
		t.Fatalf("both on %s", pair[0].URL)
	}
	for _, am := range pair {
		if err := am.Post(t.Context(), diskFull); err != nil {
			t.Fatal(err)
		}
	}
	got := wr.WaitFor(t, 2, 10*time.Second)
	if a, b := decodeNotification(t, got[0]).Alerts[0], decodeNotification(t, got[1]).Alerts[0]; a.Fingerprint != b.Fingerprint {
		t.Errorf("fingerprints %s and %s: the same alert should have one", a.Fingerprint, b.Fingerprint)
	}
}

func TestAlertmanager_retriesAReceiverThatFails(t *testing.T) {
	t.Parallel()
	wr := NewUnsignedReceiver(t)
	wr.Fail(http.StatusServiceUnavailable, 1)
	am := StartAlertmanager(t, AlertmanagerConfig{URL: wr.URL(), Token: "wik_retry"})
	if err := am.Post(t.Context(), diskFull); err != nil {
		t.Fatal(err)
	}
	wr.WaitFor(t, 1, 20*time.Second)
	if all := wr.All(); len(all) < 2 || all[0].Status != http.StatusServiceUnavailable {
		t.Errorf("requests %+v, want a 503 then a 200", all)
	}
	am.Stop()
	am.Stop()
	if err := am.Post(t.Context(), diskFull); err == nil {
		t.Error("a stopped Alertmanager took an alert")
	}
}

func TestIngestRate_postsDistinctAlerts(t *testing.T) {
	t.Parallel()
	wr := NewUnsignedReceiver(t)
	am := StartAlertmanager(t, AlertmanagerConfig{URL: wr.URL(), Token: "wik_rate"})
	const n = 40
	rate, err := IngestRate(t.Context(), am, 4, n)
	if err != nil || rate <= 0 {
		t.Fatalf("IngestRate = %v, %v", rate, err)
	}
	t.Logf("%.0f alerts/s", rate)
	seen := map[string]bool{}
	for _, d := range wr.WaitFor(t, n, 20*time.Second) {
		seen[decodeNotification(t, d).Alerts[0].Labels["n"]] = true
	}
	for i := 1; i <= n; i++ {
		if !seen[strconv.Itoa(i)] {
			t.Errorf("alert %d was not sent on", i)
		}
	}
	if _, err := IngestRate(t.Context(), am, 0, 1); err == nil {
		t.Error("IngestRate with no connections did not fail")
	}
}
