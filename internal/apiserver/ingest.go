package apiserver

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/alerting"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/store"
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
// The batch's alerts are checked for repeats and stored together (alertBatch).
func (s *Server) commitIngest(batch []*ingestJob) {
	ctx := context.WithoutCancel(s.lifetime)
	now := s.now()
	h := s.dispatcher.Handover(now)
	err := s.store.Update(ctx, func(tx Tx) error {
		// A batch is mostly one sender's requests: each key and each routing is read once
		// per transaction, which no other writer can change meanwhile.
		envs := map[string]string{}
		routings := map[string]api.AlertRouting{}
		b := s.newAlertBatch(tx, now, h)
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
			alerts, err := j.build(b.reader(), env)
			if err != nil {
				var pe *problemError
				if !errors.As(err, &pe) {
					return err
				}
				j.err = err
				continue
			}
			j.res = b.add(env, routing, alerts)
		}
		return b.flush()
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
	alerts, err := build(tx, envID)
	if err != nil {
		return nil, err
	}
	b := s.newAlertBatch(tx, now, nil)
	res := b.add(envID, routing, alerts)
	return res, b.flush()
}

// alertBatch records the alerts of one transaction's requests together: one query looks up
// the repeats of them all, and their alerts and deliveries are inserted in a few multi-row
// statements, not three statements each. Each is decided as if recorded on its own, in
// order: a repeat of a stored alert or of one earlier in the batch (same key, status and
// start, within the window) is answered with the latest it repeats and stores nothing.
type alertBatch struct {
	s       *Server
	tx      Tx
	now     time.Time
	h       *alerting.Handover
	pending []pendingAlert
}

// pendingAlert is an alert of environment env added to a batch and not yet recorded; out is
// where its outcome goes.
type pendingAlert struct {
	env     string
	alert   api.Alert
	routing *api.AlertRouting
	out     *ingested
}

func (s *Server) newAlertBatch(tx Tx, now time.Time, h *alerting.Handover) *alertBatch {
	return &alertBatch{s: s, tx: tx, now: now, h: h}
}

// add queues alerts of environment envID, routed by routing, and returns the slice their
// outcomes are written to when flush has run.
func (b *alertBatch) add(envID string, routing api.AlertRouting, alerts []api.Alert) []ingested {
	out := make([]ingested, len(alerts))
	for i, a := range alerts {
		b.pending = append(b.pending, pendingAlert{env: envID, alert: a, routing: &routing, out: &out[i]})
	}
	return out
}

// reader is the transaction as a request's build reads it: a read of the alerts (a resolve
// reads the alert it resolves) first records what the batch holds, so that it sees the
// alerts of the requests before it, as it would have had each been recorded at once.
func (b *alertBatch) reader() Tx { return &batchReader{Tx: b.tx, b: b} }

// batchReader is a Tx whose alert reads see the batch's alerts.
type batchReader struct {
	Tx
	b *alertBatch
}

func (r *batchReader) LastAlert(envID, dedupKey string) (api.Alert, error) {
	if err := r.b.flush(); err != nil {
		return api.Alert{}, err
	}
	return r.Tx.LastAlert(envID, dedupKey)
}

// flush records the pending alerts: the repeats answered, the others routed and stored with
// their deliveries.
func (b *alertBatch) flush() error {
	if len(b.pending) == 0 {
		return nil
	}
	since := b.now.Add(-b.s.alerting.DedupWindow)
	keys := make([]store.AlertKey, len(b.pending))
	for i, p := range b.pending {
		keys[i] = store.AlertKey{EnvironmentID: p.env, DedupKey: p.alert.DedupKey, Status: p.alert.Status, StartsAt: p.alert.StartsAt}
	}
	stored, err := b.tx.DuplicateAlerts(keys, since)
	if err != nil {
		return err
	}
	// The batch's new alerts by key, oldest first: a repeat of one of them is the latest
	// that matches, and is newer than any stored alert.
	type key struct{ env, dedup, status string }
	fresh := make([]api.Alert, 0, len(b.pending))
	byKey := map[key][]int{}
	type leased struct {
		lease store.Lease
		ds    []api.AlertDelivery
	}
	var runs []leased
	for i, p := range b.pending {
		a := p.alert
		if dup := latestRepeat(fresh, byKey[key{p.env, a.DedupKey, a.Status}], a.StartsAt, since); dup != nil {
			*p.out = ingested{Alert: *dup, Duplicate: true}
			continue
		}
		if stored[i] != nil {
			*p.out = ingested{Alert: *stored[i], Duplicate: true}
			continue
		}
		a.ID = newTimeID("alr", time.Now())
		deliveries := b.s.route(&a, *p.routing, b.now)
		lease := b.h.Lease(a, deliveries)
		// Deliveries go in the alerts' order, in runs of one lease (the dispatcher's, or
		// none once it has no room).
		if n := len(runs); n > 0 && runs[n-1].lease == lease {
			runs[n-1].ds = append(runs[n-1].ds, deliveries...)
		} else if len(deliveries) > 0 {
			runs = append(runs, leased{lease, deliveries})
		}
		// Found as a stored alert would be: by the environment it is stored under.
		k := key{a.EnvironmentID, a.DedupKey, a.Status}
		byKey[k] = append(byKey[k], len(fresh))
		fresh = append(fresh, a)
		*p.out = ingested{Alert: a}
	}
	b.pending = b.pending[:0]
	if err := b.tx.InsertAlert(fresh...); err != nil {
		return err
	}
	for _, r := range runs {
		if err := b.tx.InsertDeliveries(r.lease, r.ds); err != nil {
			return err
		}
	}
	return nil
}

// latestRepeat is the latest of the alerts at idx in fresh (all of one key and status) that
// an alert starting at startsAt repeats, as store.Tx.DuplicateAlert decides: the same start
// to the second (a zero start matches any), received at or after since; nil when none.
func latestRepeat(fresh []api.Alert, idx []int, startsAt, since time.Time) *api.Alert {
	for j := len(idx) - 1; j >= 0; j-- {
		c := &fresh[idx[j]]
		if (startsAt.IsZero() || c.StartsAt.Unix() == startsAt.Unix()) && !c.ReceivedAt.Before(since) {
			return c
		}
	}
	return nil
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
