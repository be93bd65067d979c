package alerting

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	randv2 "math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/store"
)

// Config configures a Dispatcher. Zero fields take the defaults named.
type Config struct {
	Store store.Store
	// Now is the clock (time.Now). Attempts, leases and the schedule run on it; only an
	// attempt's latency is measured on the real clock.
	Now func() time.Time
	// Owner names this process in leases: unique per process (NewOwner's).
	Owner string
	// Schedule is the retry schedule (DefaultSchedule).
	Schedule Schedule
	// VendorURL and VendorRoutingKey are where the vendor's on-call receives PagerDuty
	// events; with no URL, vendor deliveries are undeliverable.
	VendorURL, VendorRoutingKey string
	// SMTP sends e-mail deliveries; nil makes them undeliverable.
	SMTP *SMTPConfig
	// AllowPrivate lets webhooks reach addresses that are not public (loopback, private
	// networks, the metadata service): for development and tests only.
	AllowPrivate bool
	Logger       *slog.Logger
	// Batch is the most deliveries leased at once (64): what bounds memory, whatever the
	// backlog. Workers is the most attempts under way at once (16).
	Batch, Workers int
	// AttemptTimeout bounds each attempt, connection to last byte (10s).
	AttemptTimeout time.Duration
	// LeaseFor is how long a delivery stays leased to this process (at least 60s, and at
	// least twice the worst wait of a leased delivery for a worker: 2 × AttemptTimeout ×
	// (Batch/Workers + 1)): long enough that no other replica takes a delivery this one is
	// still sending, short enough that one that died is soon taken over.
	LeaseFor time.Duration
	// PollInterval is how long the dispatcher waits for new deliveries when no Notify
	// comes (250ms), jittered.
	PollInterval time.Duration
	// TLSRoots, when set, replaces the system's roots for webhooks, the vendor and SMTP
	// (tests with a private CA).
	TLSRoots *x509.CertPool
	// Rand returns numbers in [0, 1) for jitter (math/rand/v2's); it must be safe for
	// concurrent use.
	Rand func() float64
}

// Dispatcher delivers the store's pending deliveries.
type Dispatcher struct {
	cfg      Config
	log      *slog.Logger
	webhooks poster
	vendor   poster
	wake     chan struct{}
}

// NewOwner is a lease owner unique to this process: host name, process id and a random part
// (a restarted process on the same host with the same pid must not take over its
// predecessor's leases as if they were its own).
func NewOwner() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), rand.Text()[:8])
}

// New makes a dispatcher with cfg's zero fields defaulted.
func New(cfg Config) *Dispatcher {
	set := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	setD := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&cfg.Batch, 64)
	set(&cfg.Workers, 16)
	setD(&cfg.AttemptTimeout, 10*time.Second)
	setD(&cfg.PollInterval, 250*time.Millisecond)
	rounds := time.Duration((cfg.Batch+cfg.Workers-1)/cfg.Workers + 1)
	setD(&cfg.LeaseFor, max(time.Minute, 2*cfg.AttemptTimeout*rounds))
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Owner == "" {
		cfg.Owner = NewOwner()
	}
	if len(cfg.Schedule) == 0 {
		cfg.Schedule = DefaultSchedule
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Rand == nil {
		cfg.Rand = randv2.Float64
	}
	return &Dispatcher{
		cfg: cfg, log: cfg.Logger.With("component", "alerting", "owner", cfg.Owner),
		webhooks: newPoster(!cfg.AllowPrivate, cfg.TLSRoots), vendor: newPoster(false, cfg.TLSRoots),
		wake: make(chan struct{}, 1),
	}
}

// Notify wakes the dispatcher: ingestion calls it after committing deliveries, so that the
// first attempt does not wait for the next poll. It never blocks.
func (d *Dispatcher) Notify() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends: it leases a batch, hands it to the workers, and goes again
// at once when the batch was full, else when notified or after the poll interval. When
// ctx ends it leases no more and returns once the attempts under way are made and recorded,
// or after a bounded time (AttemptTimeout and a few seconds). Deliveries leased but not yet
// begun are left to their leases' expiry: another replica, or this one's successor, sends
// them then.
func (d *Dispatcher) Run(ctx context.Context) {
	p := d.start(context.WithoutCancel(ctx))
	for ctx.Err() == nil {
		n, err := d.feed(ctx, p)
		if err != nil && ctx.Err() == nil {
			d.log.Error("leasing deliveries", "error", err)
		}
		if err == nil && n == d.cfg.Batch {
			continue
		}
		t := time.NewTimer(jitter(d.cfg.PollInterval, d.cfg.Rand()))
		select {
		case <-ctx.Done():
		case <-d.wake:
		case <-t.C:
		}
		t.Stop()
	}
	done := make(chan error, 1)
	go func() { done <- p.stop() }()
	select {
	case err := <-done:
		if err != nil {
			d.log.Error("recording attempts", "error", err)
		}
	case <-time.After(d.cfg.AttemptTimeout + shutdownGrace):
		d.log.Warn("stopped before the attempts under way were recorded: their deliveries are sent again when their leases expire")
	}
}

// shutdownGrace is what Run allows, beyond an attempt's timeout, to record the last attempts.
const shutdownGrace = 5 * time.Second

// RunOnce makes one round: it leases a batch, makes its attempts (at most Workers at once)
// and records them, and returns how many deliveries it leased.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	p := d.start(ctx)
	n, err := d.feed(ctx, p)
	return n, errors.Join(err, p.stop())
}

// pipeline is the workers and the recorder: leased jobs go in, recorded attempts come out.
// Everything in it is bounded: Workers attempts under way, at most Batch finished ones
// waiting for the recorder, which writes up to Batch in one transaction.
type pipeline struct {
	jobs    chan *job
	results chan finished
	workers sync.WaitGroup
	done    chan struct{} // closed when the recorder has written the last result
	err     error         // the recorder's, read after done
}

func (d *Dispatcher) start(ctx context.Context) *pipeline {
	p := &pipeline{jobs: make(chan *job), results: make(chan finished, d.cfg.Batch), done: make(chan struct{})}
	for range d.cfg.Workers {
		p.workers.Go(func() {
			for j := range p.jobs {
				if f, ok := d.attempt(ctx, j); ok {
					p.results <- f
				}
			}
		})
	}
	go func() {
		defer close(p.done)
		p.err = d.record(ctx, p.results)
	}()
	return p
}

// stop lets the workers finish the jobs handed to them and the recorder write their
// results, and returns the recorder's first error.
func (p *pipeline) stop() error {
	close(p.jobs)
	p.workers.Wait()
	close(p.results)
	<-p.done
	return p.err
}

// feed leases a batch and hands it to p's workers; it returns how many it leased. It
// stops handing out when ctx ends.
func (d *Dispatcher) feed(ctx context.Context, p *pipeline) (int, error) {
	jobs, leased, err := d.lease(ctx)
	if err != nil {
		return 0, err
	}
	for _, j := range jobs {
		select {
		case p.jobs <- j:
		case <-ctx.Done():
			return leased, nil
		}
	}
	return leased, nil
}

// deliveryTx is the part of store.Tx the dispatcher uses.
type deliveryTx interface {
	LeaseDeliveries(owner string, now, until time.Time, limit int) ([]api.AlertDelivery, error)
	Alert(envID, id string) (api.Alert, error)
	Environment(id string) (api.Environment, error)
	AlertCredentials(environmentID string) (store.AlertCredentialsRecord, error)
	FinishAttempt(owner string, d api.AlertDelivery, a api.AlertAttempt) error
	UpdateDelivery(d api.AlertDelivery) error
}

// job is one leased delivery with everything its attempt needs, read in the lease's
// transaction so that sending touches no database.
type job struct {
	d     api.AlertDelivery
	alert api.Alert
	env   api.Environment
	keys  [][]byte  // the webhook signing keys, newest first
	until time.Time // the lease's end
	// preset, when set, is the attempt's outcome decided without sending (the alert is
	// gone, the signing secret unreadable).
	preset *Result
}

// envInfo is what the deliveries of one environment share in a lease.
type envInfo struct {
	env     api.Environment
	keys    [][]byte
	keysErr error
}

// lease leases up to Batch due deliveries and reads what their attempts need, in one
// transaction, and returns the jobs and how many it leased. Deliveries that nothing is
// configured to deliver are made undeliverable in it, without an attempt.
func (d *Dispatcher) lease(ctx context.Context) ([]*job, int, error) {
	now := d.cfg.Now()
	until := now.Add(d.cfg.LeaseFor)
	var jobs []*job
	var leased int
	err := d.cfg.Store.Update(ctx, func(tx store.Tx) error {
		jobs = jobs[:0]
		ds, err := tx.LeaseDeliveries(d.cfg.Owner, now, until, d.cfg.Batch)
		if err != nil {
			return err
		}
		leased = len(ds)
		envs := map[string]*envInfo{}
		for _, dl := range ds {
			if why := d.undeliverable(dl.Kind); why != "" {
				dl.Status, dl.NextAttemptAt, dl.LastError, dl.UpdatedAt = api.DeliveryUndeliverable, nil, why, now
				if err := tx.UpdateDelivery(dl); err != nil {
					return err
				}
				continue
			}
			j, err := prepare(tx, dl, now, envs)
			if err != nil {
				return err
			}
			j.until = until
			jobs = append(jobs, j)
		}
		return nil
	})
	return jobs, leased, err
}

// undeliverable says which flag is missing for deliveries of kind, or "".
func (d *Dispatcher) undeliverable(kind string) string {
	switch {
	case kind == api.RecipientVendor && d.cfg.VendorURL == "":
		return "no vendor alert URL is configured: start the server with " + FlagVendorURL + " and " + FlagVendorKey
	case kind == api.RecipientEmail && d.cfg.SMTP == nil:
		return "no SMTP server is configured: start the server with " + FlagSMTPURL + " and " + FlagSMTPFrom
	}
	return ""
}

// prepare reads what delivery dl's attempt needs. An alert or environment that no longer
// exists fails the attempt; any other error fails the lease.
func prepare(tx deliveryTx, dl api.AlertDelivery, now time.Time, envs map[string]*envInfo) (*job, error) {
	j := &job{d: dl}
	fail := func(msg string) (*job, error) {
		j.preset = &Result{Outcome: api.AttemptFailed, Err: msg}
		return j, nil
	}
	e, ok := envs[dl.EnvironmentID]
	if !ok {
		env, err := tx.Environment(dl.EnvironmentID)
		if errors.Is(err, store.ErrNotFound) {
			return fail("the environment no longer exists")
		} else if err != nil {
			return nil, err
		}
		e = &envInfo{env: env}
		creds, err := tx.AlertCredentials(dl.EnvironmentID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			e.keysErr = errors.New("the environment has no signing secret")
		case err != nil:
			return nil, err
		default:
			e.keys, e.keysErr = signingKeys(creds.Current(now))
		}
		envs[dl.EnvironmentID] = e
	}
	j.env, j.keys = e.env, e.keys
	alert, err := tx.Alert(dl.EnvironmentID, dl.AlertID)
	if errors.Is(err, store.ErrNotFound) {
		return fail("the alert no longer exists")
	} else if err != nil {
		return nil, err
	}
	j.alert = alert
	switch {
	case dl.Kind == api.RecipientWebhook && e.keysErr != nil:
		// Unsigned, a webhook would be worthless to a receiver that verifies: retry, in
		// case the secret is repaired.
		j.preset = &Result{Outcome: api.AttemptRetry, Err: "not sent: " + e.keysErr.Error()}
	case dl.Kind != api.RecipientWebhook && dl.Kind != api.RecipientVendor && dl.Kind != api.RecipientEmail:
		return fail(fmt.Sprintf("unknown recipient kind %q", dl.Kind))
	}
	return j, nil
}

// finished is a delivery as an attempt left it, with the attempt.
type finished struct {
	d api.AlertDelivery
	a api.AlertAttempt
}

// attempt makes the next attempt of j and returns the delivery's next state; false when it
// was not made, because j's lease could end before the attempt did (another replica may
// take the delivery then: two attempts at once would be two messages).
func (d *Dispatcher) attempt(ctx context.Context, j *job) (finished, bool) {
	at := d.cfg.Now()
	if at.Add(d.cfg.AttemptTimeout).After(j.until) {
		d.log.Warn("lease too close to its end: delivery left for a later lease", "delivery", j.d.ID)
		return finished{}, false
	}
	n := j.d.AttemptCount + 1
	start := time.Now()
	r := d.send(ctx, j, n, at)
	f := d.next(j.d, r, at, d.cfg.Now(), time.Since(start))
	d.logAttempt(f)
	return f, true
}

// send makes attempt n of j at at, within AttemptTimeout.
func (d *Dispatcher) send(ctx context.Context, j *job, n int, at time.Time) Result {
	if j.preset != nil {
		return *j.preset
	}
	ctx, cancel := context.WithTimeout(ctx, d.cfg.AttemptTimeout)
	defer cancel()
	switch j.d.Kind {
	case api.RecipientWebhook:
		return d.sendWebhook(ctx, j, n, at)
	case api.RecipientVendor:
		return d.sendVendor(ctx, j, at)
	default:
		return d.sendEmail(ctx, j, n, at)
	}
}

// next is delivery dl after an attempt begun at at came to r, as of now: delivered, gone,
// failed (refused for good, or the schedule is spent: the dead letter), or pending again
// at the schedule's next step, or later when the receiver asked (Retry-After).
func (d *Dispatcher) next(dl api.AlertDelivery, r Result, at, now time.Time, latency time.Duration) finished {
	dl.AttemptCount++
	a := api.AlertAttempt{N: dl.AttemptCount, At: at, StatusCode: r.StatusCode, LatencyMS: latency.Milliseconds(), Outcome: r.Outcome, Error: r.Err}
	dl.NextAttemptAt, dl.LastError, dl.UpdatedAt = nil, r.Err, now
	switch r.Outcome {
	case api.AttemptDelivered:
		dl.Status, dl.DeliveredAt = api.DeliveryDelivered, &now
	case api.AttemptGone:
		dl.Status = api.DeliveryGone
	case api.AttemptRetry:
		if wait, ok := d.cfg.Schedule.after(dl.AttemptCount, d.cfg.Rand()); ok {
			due := now.Add(max(wait, r.RetryAfter))
			dl.Status, dl.NextAttemptAt = api.DeliveryPending, &due
			break
		}
		a.Outcome = api.AttemptFailed
		fallthrough
	default:
		dl.Status = api.DeliveryFailed
	}
	return finished{d: dl, a: a}
}

func (d *Dispatcher) logAttempt(f finished) {
	level := slog.LevelDebug
	switch f.d.Status {
	case api.DeliveryPending:
		level = slog.LevelInfo
	case api.DeliveryFailed, api.DeliveryGone:
		level = slog.LevelWarn
	}
	d.log.Log(context.Background(), level, "alert delivery attempt", "delivery", f.d.ID, "environment", f.d.EnvironmentID,
		"kind", f.d.Kind, "target", access.RedactTarget(f.d.Kind, f.d.Target), "attempt", f.a.N, "outcome", f.a.Outcome,
		"status", f.d.Status, "status_code", f.a.StatusCode, "error", f.a.Error)
}

// record writes results as they come, those that are waiting together in one transaction
// (SQLite has one writer: one commit per attempt would cap throughput at its commit rate).
// It returns the first error; a batch that failed to be written is lost, and its
// deliveries are sent again when their leases expire (at least once).
func (d *Dispatcher) record(ctx context.Context, results <-chan finished) error {
	var first error
	batch := make([]finished, 0, d.cfg.Batch)
	for f := range results {
		batch = append(batch[:0], f)
	drain:
		for len(batch) < d.cfg.Batch {
			select {
			case f, ok := <-results:
				if !ok {
					break drain
				}
				batch = append(batch, f)
			default:
				break drain
			}
		}
		if err := d.finish(ctx, batch); err != nil {
			d.log.Error("recording attempts", "error", err, "attempts", len(batch))
			first = cmp.Or(first, err)
		}
	}
	return first
}

// finish writes a batch of attempts in one transaction. An attempt whose lease was lost
// (it expired and another replica took the delivery) is dropped: that replica's attempt is
// the one on record.
func (d *Dispatcher) finish(ctx context.Context, batch []finished) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var lost []string
	err := d.cfg.Store.Update(ctx, func(tx store.Tx) error {
		lost = lost[:0]
		for _, f := range batch {
			err := tx.FinishAttempt(d.cfg.Owner, f.d, f.a)
			if errors.Is(err, store.ErrNotFound) {
				lost = append(lost, f.d.ID)
			} else if err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && len(lost) > 0 {
		d.log.Warn("lease lost before the attempt was recorded: another dispatcher took the delivery", "deliveries", lost)
	}
	return err
}
