package apiserver

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/alerting"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// Ingestion: an alert is answered 2xx only once it and its deliveries are committed. Alerts
// sent with an ingest key are committed in batches (group commit): each request waits for
// the transaction its alerts are in, and one commit serves every request that arrived
// meanwhile, so a single writer (SQLite) keeps up with many senders. The ingest key is
// checked inside that transaction, so a key rotated a moment before is refused.

// DefaultAlertDedupWindow is how long a repeat of an alert (same key, status and start) is
// the same alert: Alertmanager retries a failed notification and HA pairs each send it, all
// within seconds; a re-notification after repeat_interval (hours) is a new one.
const DefaultAlertDedupWindow = 5 * time.Minute

// DefaultAlertRetention is how long received alerts, their deliveries and attempts are kept.
const DefaultAlertRetention = 30 * 24 * time.Hour

// maxIngestBatch bounds the requests one transaction commits.
const maxIngestBatch = 256

// ingestJob is one request's alerts waiting for their commit.
type ingestJob struct {
	// key is the ingest key the request was sent with; envID, when set, the environment the
	// request's path names, which the key must belong to.
	key, envID string
	// build makes the request's alerts for the environment the key found, in the
	// transaction (a resolve reads the alert it resolves).
	build func(tx Tx, envID string) ([]api.Alert, error)
	// res is the outcome: the alerts as committed, each with whether it was a repeat.
	res  []ingested
	err  error
	done chan struct{}
}

// ingested is one alert as committed: new, or the earlier alert it repeats.
type ingested struct {
	Alert     api.Alert
	Duplicate bool
}

// errIngestKey refuses an ingest key that is unknown, rotated, or another environment's.
var errIngestKey = newProblem(401, codeUnauthorized, "", "The ingest key is unknown, was rotated, or belongs to another environment; read the current one from GET /v1/environments/{id}/alert-routing/credentials.")

// ingestBatcher commits ingest jobs in batches, one transaction at a time.
type ingestBatcher struct {
	jobs chan *ingestJob
	stop chan struct{}
	wg   sync.WaitGroup
}

func (s *Server) startIngest() {
	b := &ingestBatcher{jobs: make(chan *ingestJob, maxIngestBatch), stop: make(chan struct{})}
	s.ingest = b
	b.wg.Go(func() {
		for {
			var first *ingestJob
			select {
			case first = <-b.jobs:
			case <-b.stop:
				// Drain what was queued before the stop: those requests are waiting.
				for {
					select {
					case j := <-b.jobs:
						s.commitIngest([]*ingestJob{j})
					default:
						return
					}
				}
			}
			// Whatever queued while the last commit ran joins this one.
			batch := []*ingestJob{first}
		collect:
			for len(batch) < maxIngestBatch {
				select {
				case j := <-b.jobs:
					batch = append(batch, j)
				default:
					break collect
				}
			}
			s.commitIngest(batch)
		}
	})
}

// stopIngest commits what is queued and ends the batcher; the HTTP server has stopped
// taking requests by then.
func (s *Server) stopIngest() {
	if s.ingest == nil {
		return
	}
	close(s.ingest.stop)
	s.ingest.wg.Wait()
	s.ingest = nil
}

// submitIngest queues j and waits for its commit.
func (s *Server) submitIngest(ctx context.Context, j *ingestJob) ([]ingested, error) {
	j.done = make(chan struct{})
	select {
	case s.ingest.jobs <- j:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	<-j.done // committed or not, never abandoned: the batch owns j now
	return j.res, j.err
}

// commitIngest runs one transaction for batch. A job refused on its own (a bad key) fails
// alone; a failed transaction fails every job, and each sender retries (5xx). The
// deliveries it makes go to the dispatcher in memory once committed (alerting.Handover).
func (s *Server) commitIngest(batch []*ingestJob) {
	ctx := context.WithoutCancel(s.lifetime)
	now := s.now()
	h := s.dispatcher.Handover(now)
	err := s.store.Update(ctx, func(tx Tx) error {
		// A batch is mostly one sender's requests: each key and each routing is read once
		// per transaction, which no other writer can change meanwhile.
		envs := map[string]string{}
		routings := map[string]api.AlertRouting{}
		for _, j := range batch {
			j.res, j.err = nil, nil
			env, ok := envs[j.key]
			if !ok {
				var err error
				env, err = tx.IngestEnvironment(j.key)
				if errors.Is(err, ErrNotFound) {
					env = ""
				} else if err != nil {
					return err
				}
				envs[j.key] = env
			}
			if env == "" || (j.envID != "" && env != j.envID) {
				j.err = errIngestKey
				continue
			}
			routing, ok := routings[env]
			if !ok {
				var err error
				if routing, err = tx.AlertRouting(env); err != nil {
					return err
				}
				routings[env] = routing
			}
			var err error
			if j.res, err = s.recordRoutedAlerts(tx, env, routing, now, j.build, h); err != nil {
				var pe *problemError
				if !errors.As(err, &pe) {
					return err
				}
				j.err = err
			}
		}
		return nil
	})
	h.Done(err == nil)
	for _, j := range batch {
		if err != nil {
			j.res, j.err = nil, err
		}
		close(j.done)
	}
	if err != nil {
		s.log.Error("committing received alerts", "alerts", len(batch), "error", err)
	}
}

// recordAlerts stores the alerts build makes for environment envID with the routing
// decision for each and a delivery per chosen recipient, unleased (the caller notifies the
// dispatcher after commit); a repeat is answered with the alert it repeats and stores nothing.
func (s *Server) recordAlerts(tx Tx, envID string, now time.Time, build func(Tx, string) ([]api.Alert, error)) ([]ingested, error) {
	routing, err := tx.AlertRouting(envID)
	if err != nil {
		return nil, err
	}
	return s.recordRoutedAlerts(tx, envID, routing, now, build, nil)
}

// recordRoutedAlerts is recordAlerts with the environment's routing already read in tx, the
// deliveries leased to the dispatcher h hands them to when it has room for them.
func (s *Server) recordRoutedAlerts(tx Tx, envID string, routing api.AlertRouting, now time.Time, build func(Tx, string) ([]api.Alert, error),
	h *alerting.Handover) ([]ingested, error) {
	alerts, err := build(tx, envID)
	if err != nil {
		return nil, err
	}
	out := make([]ingested, len(alerts))
	for i, a := range alerts {
		if dup, err := tx.DuplicateAlert(envID, a.DedupKey, a.Status, a.StartsAt, now.Add(-s.alerting.DedupWindow)); err == nil {
			out[i] = ingested{Alert: dup, Duplicate: true}
			continue
		} else if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		a.ID = newTimeID("alr", time.Now())
		deliveries := s.route(&a, routing, now)
		if err := tx.InsertAlert(a); err != nil {
			return nil, err
		}
		if err := tx.InsertDeliveries(h.Lease(a, deliveries), deliveries); err != nil {
			return nil, err
		}
		out[i] = ingested{Alert: a}
	}
	return out, nil
}

// route takes the engine's routing decision for a under routing, records it on a, and makes
// the deliveries it calls for: due now, or undeliverable when the server has nothing to
// deliver them with.
func (s *Server) route(a *api.Alert, routing api.AlertRouting, now time.Time) []api.AlertDelivery {
	dests := make([]access.AlertDestination, len(routing.Destinations))
	for i, d := range routing.Destinations {
		dests[i] = access.AlertDestination{Type: d.Type, Target: d.Target, MinSeverity: d.MinSeverity}
	}
	dec := access.DecideRouting(a.Severity, access.Routing{VendorRouting: routing.VendorRouting, Destinations: dests})
	a.Severity, a.SeverityDefaulted = string(dec.Severity), dec.SeverityDefaulted
	event := api.EventTrigger
	if a.Status == api.AlertResolved {
		event = api.EventResolve
	}
	var out []api.AlertDelivery
	recipient := func(kind string, rd access.RecipientDecision) api.AlertRecipient {
		r := api.AlertRecipient{Kind: kind, Target: rd.Destination.Target, MinSeverity: rd.Destination.MinSeverity,
			Chosen: rd.Chosen, Reason: string(rd.Reason), Detail: rd.Detail}
		if !rd.Chosen {
			return r
		}
		d := api.AlertDelivery{ID: newTimeID("dlv", time.Now()), AlertID: a.ID, EnvironmentID: a.EnvironmentID, Kind: kind, Target: r.Target,
			Event: event, Status: api.DeliveryPending, NextAttemptAt: &now, CreatedAt: now, UpdatedAt: now, Attempts: []api.AlertAttempt{}}
		if why := s.undeliverable(kind); why != "" {
			d.Status, d.NextAttemptAt, d.LastError = api.DeliveryUndeliverable, nil, why
		}
		r.DeliveryID = d.ID
		out = append(out, d)
		return r
	}
	a.Routing = []api.AlertRecipient{recipient(api.RecipientVendor, dec.Vendor)}
	for _, rd := range dec.Destinations {
		a.Routing = append(a.Routing, recipient(rd.Destination.Type, rd))
	}
	return out
}

// undeliverable says why the server cannot deliver to a kind of recipient, or "".
func (s *Server) undeliverable(kind string) string {
	switch {
	case kind == api.RecipientVendor && s.alerting.VendorURL == "":
		return "No endpoint for the vendor's on-call is configured: whoever runs Warden sets -vendor-alert-url and -vendor-alert-routing-key."
	case kind == api.RecipientEmail && s.alerting.SMTPURL == "":
		return "No SMTP server is configured: whoever runs Warden sets -smtp-url and -smtp-from."
	}
	return ""
}
