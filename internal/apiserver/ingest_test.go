package apiserver

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// batchAlert is an Alertmanager alert of environment envID with fingerprint fp, as a webhook
// request's build makes it.
func batchAlert(envID, fp, status string, starts, received time.Time) api.Alert {
	return api.Alert{EnvironmentID: envID, Source: api.AlertSourceAlertmanager, Status: status, DedupKey: fp, Severity: "critical",
		Summary: "Disk full", Labels: map[string]string{"alertname": "DiskFull", "fingerprint": fp}, Annotations: map[string]string{},
		StartsAt: starts, ReceivedAt: received}
}

// ingestJobs are requests, each of the alerts of one element of alerts, sent with key.
func ingestJobs(key string, alerts ...[]api.Alert) []*ingestJob {
	jobs := make([]*ingestJob, len(alerts))
	for i, as := range alerts {
		jobs[i] = &ingestJob{key: key, done: make(chan struct{}), build: func(Tx, string) ([]api.Alert, error) { return as, nil }}
	}
	return jobs
}

// outcome is what each job was answered, alert by alert: "new" or "repeats <n>", n naming
// the alert it repeats by the order the new ones were made in.
func outcome(t *testing.T, jobs []*ingestJob) []string {
	t.Helper()
	index := map[string]int{}
	var out []string
	for i, j := range jobs {
		<-j.done
		if j.err != nil {
			out = append(out, fmt.Sprintf("job %d: %v", i, j.err))
			continue
		}
		for _, r := range j.res {
			if !r.Duplicate {
				index[r.Alert.ID] = len(index)
				out = append(out, "new")
				continue
			}
			n, ok := index[r.Alert.ID]
			if !ok {
				t.Fatalf("job %d repeats %s, which no job made", i, r.Alert.ID)
			}
			out = append(out, fmt.Sprintf("repeats %d", n))
		}
	}
	return out
}

// Repeats are decided alike whether the requests share one transaction (the group commit)
// or each has its own: a repeat of an alert earlier in the same request or in another
// request of the batch is that alert, the latest one when several match; another status or
// start is a new alert; an alert outside the window is none's repeat. Only the new ones are
// stored, each with its deliveries.
func TestIngest_repeatsWithinOneBatchAndAcross(t *testing.T) {
	for _, together := range []bool{true, false} {
		t.Run(fmt.Sprintf("one transaction %v", together), func(t *testing.T) {
			ts := newTestServer(t, func(c *Config) {
				c.Alerting.VendorURL, c.Alerting.VendorRoutingKey = "http://127.0.0.1:1/enqueue", "R0UTING"
			})
			e, key := ts.alertEnv(true, api.Destination{Type: "webhook", Target: "https://hooks.example.com/a", MinSeverity: "info"})
			now := ts.clock.Now()
			starts := now.Add(-time.Minute).Truncate(time.Second)
			a := func(fp, status string, starts time.Time) api.Alert { return batchAlert(e.ID, fp, status, starts, now) }
			// An alert received before the window: stored on its own, before the batch.
			old := ingestJobs(key, []api.Alert{batchAlert(e.ID, "fp-old", api.AlertFiring, starts, now.Add(-DefaultAlertDedupWindow-time.Second))})
			ts.srv.commitIngest(old)
			jobs := ingestJobs(key,
				[]api.Alert{a("fp1", api.AlertFiring, starts), a("fp1", api.AlertFiring, starts.Add(300*time.Millisecond)), a("fp2", api.AlertFiring, starts)},
				[]api.Alert{a("fp1", api.AlertFiring, starts), a("fp1", api.AlertResolved, starts), a("fp-old", api.AlertFiring, starts)},
				[]api.Alert{a("fp1", api.AlertFiring, starts.Add(time.Hour)), a("fp1", api.AlertResolved, time.Time{}), a("fp2", api.AlertFiring, starts)},
			)
			bad := ingestJobs("wik_unknown", []api.Alert{a("fp3", api.AlertFiring, starts)})
			jobs = append(jobs[:1], append(bad, jobs[1:]...)...)
			if together {
				ts.srv.commitIngest(jobs)
			} else {
				for _, j := range jobs {
					ts.srv.commitIngest([]*ingestJob{j})
				}
			}
			got := outcome(t, append(old, jobs...))
			want := []string{"new", "new", "repeats 1", "new", fmt.Sprintf("job 2: %v", errIngestKey), "repeats 1", "new", "new", "new", "repeats 3", "repeats 2"}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("answers\n got %q\nwant %q", got, want)
			}
			var l api.List[api.Alert]
			ts.call("GET", "/v1/environments/"+e.ID+"/alerts", ownerToken, nil, 200, &l)
			if len(l.Items) != 6 {
				t.Fatalf("%d alerts stored, want the 6 new ones", len(l.Items))
			}
			ds := ts.deliveries(e.ID, "")
			if len(ds) != 2*len(l.Items) {
				t.Fatalf("%d deliveries for %d alerts routed to the vendor and a webhook", len(ds), len(l.Items))
			}
			for i, d := range ds {
				if d.AlertID != l.Items[i/2].ID {
					t.Fatalf("delivery %d is alert %s's, want %s's: deliveries follow their alerts", i, d.AlertID, l.Items[i/2].ID)
				}
			}
		})
	}
}

// A request whose build reads the alerts (a PagerDuty resolve reads the alert it resolves)
// sees those of the requests before it in the same transaction.
func TestIngest_buildSeesTheBatchsAlerts(t *testing.T) {
	ts := newTestServer(t)
	e, key := ts.alertEnv(true)
	now := ts.clock.Now()
	jobs := ingestJobs(key, []api.Alert{batchAlert(e.ID, "k", api.AlertFiring, now, now)})
	var last api.Alert
	read := &ingestJob{key: key, done: make(chan struct{}), build: func(tx Tx, env string) ([]api.Alert, error) {
		var err error
		last, err = tx.LastAlert(env, "k")
		if errors.Is(err, ErrNotFound) {
			return nil, nil
		}
		return []api.Alert{batchAlert(e.ID, "k", api.AlertResolved, time.Time{}, now)}, err
	}}
	jobs = append(jobs, read)
	jobs = append(jobs, ingestJobs(key, []api.Alert{batchAlert(e.ID, "k", api.AlertFiring, now, now)})...)
	ts.srv.commitIngest(jobs)
	if got := outcome(t, jobs); fmt.Sprint(got) != "[new new repeats 0]" {
		t.Fatalf("answers %q", got)
	}
	if last.ID == "" || last.ID != jobs[0].res[0].Alert.ID {
		t.Fatalf("the second request read %+v as the last alert, want the first request's %s", last, jobs[0].res[0].Alert.ID)
	}
}
