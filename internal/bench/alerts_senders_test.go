package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The alert benchmarks' senders: Alertmanager webhooks posted to an environment's ingest URL
// in a closed loop (as fast as answered) or an open one (at a steady rate).

// ingestClient posts Alertmanager webhooks of one alert each to an environment's ingest URL.
type ingestClient struct {
	url, key, run string
	http          *http.Client
	accepted      atomic.Int64
}

func newIngestClient(base, envID, key string) *ingestClient {
	// Idle connections are kept for every sender: a new one per request would measure the
	// handshake. The paced sender may have more in flight than alertsConns when answers slow.
	return &ingestClient{url: base + "/v1/environments/" + envID + "/alerts", key: key, run: rand.Text()[:8],
		http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4 * alertsConns}, Timeout: time.Minute}}
}

var severities = []string{"info", "warning", "error", "critical"}

// payload is an Alertmanager version 4 webhook with alert n alone: labels and fingerprint
// no other alert has, so that none is a repeat. It is written out rather than marshalled from
// maps: encoding/json, sorting each map's keys, took this process about 15 µs an alert, CPU
// that the two cores' server would otherwise have. Every value is ASCII with nothing to
// escape but the group key's quotes (TestIngestPayload).
func (c *ingestClient) payload(n int) []byte {
	id, sev := strconv.Itoa(n), severities[n%len(severities)]
	labels := `{"alertname":"BenchAlert","instance":"node-` + id + `","run":"` + c.run + `","severity":"` + sev + `"}`
	return []byte(`{"version":"4","groupKey":"{}:{instance=\"node-` + id + `\"}","truncatedAlerts":0,"status":"firing","receiver":"warden",` +
		`"groupLabels":{"instance":"node-` + id + `"},"commonLabels":` + labels + `,"commonAnnotations":{},"externalURL":"http://alertmanager:9093",` +
		`"alerts":[{"status":"firing","labels":` + labels + `,"annotations":{"runbook_url":"https://runbooks.example.com/disk","summary":"Disk on node-` + id + ` almost full"},` +
		`"startsAt":"` + time.Now().UTC().Format(time.RFC3339Nano) + `","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus:9090/graph?g0.expr=disk",` +
		`"fingerprint":"` + c.run + "-" + id + `"}]}`)
}

// post sends alert n and returns the id Warden gave it.
func (c *ingestClient) post(ctx context.Context, n int) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(c.payload(n)))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.key)
	resp, err := c.http.Do(req)
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusAccepted {
		return "", fmt.Errorf("status %d, want 202: %s", resp.StatusCode, bytes.TrimSpace(raw))
	}
	var answer struct {
		Alerts []struct {
			ID        string `json:"id"`
			Duplicate bool   `json:"duplicate"`
		} `json:"alerts"`
	}
	if err := json.Unmarshal(raw, &answer); err != nil {
		return "", err
	}
	if len(answer.Alerts) != 1 || answer.Alerts[0].Duplicate {
		return "", fmt.Errorf("answer %s: want one new alert", raw)
	}
	c.accepted.Add(1)
	return answer.Alerts[0].ID, nil
}

// ingestClosed posts alerts first … first+n-1 over conns connections, each sender's next as
// soon as its last is answered (a closed loop, as alerttest.IngestRate drives Alertmanager),
// and returns the time all took. It stops at the first error.
func ingestClosed(ctx context.Context, c *ingestClient, conns, first, n int) (time.Duration, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(n) && ctx.Err() == nil; i = next.Add(1) - 1 {
				if _, err := c.post(ctx, first+int(i)); err != nil {
					cancel(fmt.Errorf("alert %d: %w", first+int(i), err))
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start), context.Cause(ctx)
}

// pacedSend is one alert of an open loop: when it was due, sent and answered.
type pacedSend struct {
	n                int
	due, sent, acked time.Time
	id               string
	err              error
}

// ingestPaced sends alerts first … first+n-1 at rate a second, each at its instant whatever
// became of the ones before (an open loop: a slow server meets the same load, as from a
// fleet of senders), and returns them once all are answered.
func ingestPaced(ctx context.Context, c *ingestClient, rate, first, n int) []pacedSend {
	out := make([]pacedSend, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range out {
		s := &out[i]
		s.n, s.due = first+i, start.Add(time.Duration(i)*time.Second/time.Duration(rate))
		time.Sleep(time.Until(s.due))
		wg.Go(func() {
			s.sent = time.Now()
			s.id, s.err = c.post(ctx, s.n)
			s.acked = time.Now()
		})
	}
	wg.Wait()
	return out
}

// payload is the Alertmanager webhook it was marshalled as before: valid JSON, one alert
// with its own labels and fingerprint.
func TestIngestPayload(t *testing.T) {
	c := newIngestClient("http://127.0.0.1:1", "env_1", "wik_x")
	var p struct {
		Version, GroupKey, Status string
		GroupLabels, CommonLabels map[string]string
		Alerts                    []struct {
			Status, Fingerprint, StartsAt string
			Labels, Annotations           map[string]string
		}
	}
	if err := json.Unmarshal(c.payload(7), &p); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"alertname": "BenchAlert", "instance": "node-7", "run": c.run, "severity": "critical"}
	if p.Version != "4" || p.GroupKey != `{}:{instance="node-7"}` || p.Status != "firing" || len(p.Alerts) != 1 || !maps.Equal(p.CommonLabels, want) {
		t.Fatalf("payload = %+v", p)
	}
	a := p.Alerts[0]
	if _, err := time.Parse(time.RFC3339Nano, a.StartsAt); err != nil || a.Fingerprint != c.run+"-7" || !maps.Equal(a.Labels, want) ||
		a.Annotations["summary"] != "Disk on node-7 almost full" || p.GroupLabels["instance"] != "node-7" {
		t.Fatalf("alert = %+v (%v)", a, err)
	}
}
