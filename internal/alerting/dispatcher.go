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
	"sync/atomic"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/metrics"
	"github.com/wardenhq/terraform-provider-warden/internal/store"
)

// Config configures a Dispatcher. Zero fields take the defaults named.
type Config struct {
	Store store.Store
	// Now (time.Now) runs attempts, leases and the schedule; latency is real time.
	Now      func() time.Time
	Owner    string   // unique per process (NewOwner)
	Schedule Schedule // DefaultSchedule
	// Without VendorURL vendor deliveries are undeliverable; without SMTP, e-mail ones.
	VendorURL, VendorRoutingKey string
	SMTP                        *SMTPConfig
	// AllowPrivate lets webhooks reach addresses that are not public: development only.
	AllowPrivate bool
	Logger       *slog.Logger
	// Batch (64) bounds memory whatever the backlog; Workers (16) the attempts under way.
	Batch, Workers int
	// Room (16 × Batch) bounds the deliveries handed over after ingestion that no worker
	// has taken yet (handover.go), a quarter of them with their alerts: memory stays
	// bounded, and the bound shrinks as attempts slow down so that each still starts within
	// its lease.
	Room           int
	AttemptTimeout time.Duration // connection to last byte (DefaultAttemptTimeout)
	// LeaseFor must outlast a leased delivery's worst wait for a worker, or another
	// replica sends it too: 2 × AttemptTimeout × (Batch/Workers + 1), at least 60s.
	LeaseFor     time.Duration
	PollInterval time.Duration // when no Notify comes (250ms), jittered
	// RecordWait (100ms) is how long the recorder gathers results after the first before
	// writing them, up to 16 × Batch in one transaction: on SQLite each commit waits for the
	// disk, and the one writer is what ingestion needs.
	RecordWait time.Duration
	TLSRoots   *x509.CertPool // replaces the system's roots (tests)
	// Rand is in [0, 1) and safe for concurrent use (math/rand/v2's Float64).
	Rand func() float64
	// Metrics counts attempts by outcome (nil counts nothing).
	Metrics *metrics.Metrics
}

// DefaultAttemptTimeout bounds one attempt, from connecting to the last byte of the answer.
const DefaultAttemptTimeout = 10 * time.Second

// Dispatcher delivers the store's pending deliveries.
type Dispatcher struct {
	cfg      Config
	log      *slog.Logger
	webhooks poster
	vendor   poster
	wake     chan struct{}
	// handoffs are deliveries handed over after ingestion (handover.go), room what they
	// may hold.
	handoffs chan handoff
	room     room
	keep     room // those of room whose alerts are handed over too
	// took is a moving average of an attempt's duration in nanoseconds: it sizes room.
	took atomic.Int64
	envs envCache // environments read lately
}

// NewOwner is a lease owner unique to this process: the random part keeps a restart with
// the same host and pid from taking its predecessor's leases as its own.
func NewOwner() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), rand.Text()[:8])
}

// New makes a dispatcher with cfg's zero fields defaulted.
func New(cfg Config) *Dispatcher {
	orDefault(&cfg.Batch, 64)
	orDefault(&cfg.Workers, 16)
	orDefault(&cfg.Room, 16*cfg.Batch)
	orDefault(&cfg.AttemptTimeout, DefaultAttemptTimeout)
	orDefault(&cfg.PollInterval, 250*time.Millisecond)
	orDefault(&cfg.RecordWait, 100*time.Millisecond)
	rounds := time.Duration((cfg.Batch+cfg.Workers-1)/cfg.Workers + 1)
	orDefault(&cfg.LeaseFor, max(time.Minute, 2*cfg.AttemptTimeout*rounds))
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
	d := &Dispatcher{
		cfg: cfg, log: cfg.Logger.With("component", "alerting", "owner", cfg.Owner),
		webhooks: newWebhookPoster(!cfg.AllowPrivate, cfg.TLSRoots), vendor: newPoster(false, cfg.TLSRoots),
		wake: make(chan struct{}, 1), handoffs: make(chan handoff, cfg.Room),
	}
	// Until attempts are timed, each is taken to last as long as it may.
	d.took.Store(int64(cfg.AttemptTimeout))
	d.room.max, d.keep.max = d.roomFor, d.keepFor
	return d
}

func orDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Notify wakes the dispatcher (after ingestion commits deliveries). It never blocks.
func (d *Dispatcher) Notify() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends: it hands what ingestion hands over to the workers as it
// comes, and leases a batch from the store, handing it to the workers too, at the start,
// again at once when the batch was full, else on Notify or after the poll interval. It
// returns once the attempts under way are recorded, or after AttemptTimeout and a few
// seconds. Leased deliveries not yet begun wait for their leases to expire: another replica
// sends them.
func (d *Dispatcher) Run(ctx context.Context) {
	p := d.start(context.WithoutCancel(ctx))
	poll := time.Now()
	var polled time.Time
	for ctx.Err() == nil {
		if !time.Now().Before(poll) {
			n, err := d.feed(ctx, p)
			if err != nil && ctx.Err() == nil {
				d.log.Error("leasing deliveries", "error", err)
			}
			polled = time.Now()
			poll = polled
			if err != nil || n < d.cfg.Batch {
				poll = poll.Add(jitter(d.cfg.PollInterval, d.cfg.Rand()))
			}
		}
		// Handoffs, a wake-up and a poll due are taken in random order when several are
		// ready: neither a stream of handoffs nor a backlog in the store starves the other.
		t := time.NewTimer(time.Until(poll))
		select {
		case <-ctx.Done():
		case h := <-d.handoffs:
			d.feedHandoffs(ctx, p, d.gather(h))
		case <-d.wake:
			// Wake-ups come with every commit while the workers are behind: leasing on
			// each would take the one writer for nothing, so they poll at most every
			// wakeGap.
			if next := polled.Add(wakeGap); next.Before(poll) {
				poll = next
			}
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

const shutdownGrace = 5 * time.Second

// wakeGap is the least time between two leases that Notify calls for.
const wakeGap = 25 * time.Millisecond

// RunOnce leases a batch, makes and records its attempts, and returns how many it leased.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	p := d.start(ctx)
	n, err := d.feed(ctx, p)
	return n, errors.Join(err, p.stop())
}

// pipeline is the workers and the recorder, bounded: Workers attempts under way, 16 × Batch
// results waiting, as many written per transaction.
type pipeline struct {
	jobs    chan *job
	results chan finished
	workers sync.WaitGroup
	done    chan struct{} // closed when the recorder has written the last result
	err     error         // the recorder's, read after done
}

func (d *Dispatcher) start(ctx context.Context) *pipeline {
	p := &pipeline{jobs: make(chan *job), results: make(chan finished, d.recordMax()), done: make(chan struct{})}
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

func (p *pipeline) stop() error {
	close(p.jobs)
	p.workers.Wait()
	close(p.results)
	<-p.done
	return p.err
}

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
	FinishAttempts(owner string, fs []store.Finish) (lost []string, err error)
	UpdateDelivery(d api.AlertDelivery) error
}

// job is a leased delivery with all its attempt needs, so that sending touches no database.
type job struct {
	d     api.AlertDelivery
	alert api.Alert
	env   api.Environment
	keys  [][]byte  // the webhook signing keys, newest first
	until time.Time // the lease's end
	// preset is an outcome decided without sending (the alert is gone, no secret).
	preset *result
	// prefix is the start of a webhook's body, shared by the alert's deliveries (webhookPrefix).
	prefix []byte
}

type envInfo struct {
	env     api.Environment
	keys    [][]byte
	keysErr error
}

// lease leases a batch, making the deliveries nothing is configured for undeliverable
// without an attempt, then reads what the attempts need in a read transaction: on SQLite the
// one writer is what ingestion and delivery share, and the alert (written once), the
// environment and its secrets are as current after the lease as inside it.
func (d *Dispatcher) lease(ctx context.Context) ([]*job, int, error) {
	now := d.cfg.Now()
	until := now.Add(d.cfg.LeaseFor)
	var ds []api.AlertDelivery
	var leased int
	var undeliverable []string // the kinds of the deliveries made undeliverable
	err := d.cfg.Store.Update(ctx, func(tx store.Tx) error {
		ds, undeliverable = ds[:0], undeliverable[:0]
		all, err := tx.LeaseDeliveries(d.cfg.Owner, now, until, d.cfg.Batch)
		if err != nil {
			return err
		}
		leased = len(all)
		for _, dl := range all {
			if why := d.undeliverable(dl.Kind); why != "" {
				dl.Status, dl.NextAttemptAt, dl.LastError, dl.UpdatedAt = api.DeliveryUndeliverable, nil, why, now
				if err := tx.UpdateDelivery(dl); err != nil {
					return err
				}
				undeliverable = append(undeliverable, dl.Kind)
				continue
			}
			ds = append(ds, dl)
		}
		return nil
	})
	if err == nil {
		for _, kind := range undeliverable {
			d.cfg.Metrics.Undeliverable(kind)
		}
	}
	if err != nil || len(ds) == 0 {
		return nil, leased, err
	}
	var jobs []*job
	err = d.cfg.Store.View(ctx, func(tx store.Tx) error {
		jobs = jobs[:0]
		c := prepared{envs: map[string]*envInfo{}, alerts: map[string]api.Alert{}, prefixes: map[string][]byte{}, cache: &d.envs}
		for _, dl := range ds {
			j, err := c.prepare(tx, dl, now)
			if err != nil {
				return err
			}
			j.until = until
			jobs = append(jobs, j)
		}
		return nil
	})
	if err != nil {
		d.release(ds)
		return nil, leased, err
	}
	return jobs, leased, nil
}

// release frees the leases of ds unchanged, so that they are sent at once rather than when
// the leases expire; a store that fails this too leaves them to expire.
func (d *Dispatcher) release(ds []api.AlertDelivery) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := d.cfg.Store.Update(ctx, func(tx store.Tx) error {
		for _, dl := range ds {
			if err := tx.UpdateDelivery(dl); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		d.log.Warn("releasing leases: the deliveries are sent again when the leases expire", "deliveries", len(ds), "error", err)
	}
}

func (d *Dispatcher) undeliverable(kind string) string {
	switch {
	case kind == api.RecipientVendor && d.cfg.VendorURL == "":
		return "no vendor alert URL is configured: start the server with " + FlagVendorURL + " and " + FlagVendorKey
	case kind == api.RecipientEmail && d.cfg.SMTP == nil:
		return "no SMTP server is configured: start the server with " + FlagSMTPURL + " and " + FlagSMTPFrom
	}
	return ""
}

// prepared is what one lease's jobs have read: an alert's deliveries (one per recipient)
// are usually leased together, and share one read of it.
type prepared struct {
	envs     map[string]*envInfo
	alerts   map[string]api.Alert
	prefixes map[string][]byte // by alert: webhookPrefix
	cache    *envCache         // environments read lately (envcache.go)
}

// prepare makes dl's job from what c holds, reading the rest in tx; with a nil tx it reads
// nothing and answers errNeedRead when something is missing.
func (c prepared) prepare(tx deliveryTx, dl api.AlertDelivery, now time.Time) (*job, error) {
	j := &job{d: dl}
	fail := func(msg string) (*job, error) {
		j.preset = &result{Outcome: api.AttemptFailed, Err: msg}
		return j, nil
	}
	e, ok := c.envs[dl.EnvironmentID]
	if !ok {
		e, ok = c.cache.get(dl.EnvironmentID, now)
	}
	if !ok {
		if tx == nil {
			return nil, errNeedRead
		}
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
		c.cache.put(dl.EnvironmentID, e, creds)
	}
	c.envs[dl.EnvironmentID] = e
	j.env, j.keys = e.env, e.keys
	// The alert is only read (and never changed) by the attempts that share it.
	alert, ok := c.alerts[dl.AlertID]
	if !ok {
		if tx == nil {
			return nil, errNeedRead
		}
		var err error
		alert, err = tx.Alert(dl.EnvironmentID, dl.AlertID)
		if errors.Is(err, store.ErrNotFound) {
			return fail("the alert no longer exists")
		} else if err != nil {
			return nil, err
		}
		c.alerts[dl.AlertID] = alert
	}
	j.alert = alert
	switch {
	case dl.Kind == api.RecipientWebhook && e.keysErr != nil:
		// Unsigned, a webhook would be worthless to a receiver that verifies: retry, in
		// case the secret is repaired.
		j.preset = &result{Outcome: api.AttemptRetry, Err: "not sent: " + e.keysErr.Error()}
	case dl.Kind == api.RecipientWebhook:
		prefix, ok := c.prefixes[dl.AlertID]
		if !ok {
			prefix = webhookPrefix(j)
			c.prefixes[dl.AlertID] = prefix
		}
		j.prefix = prefix
	case dl.Kind != api.RecipientVendor && dl.Kind != api.RecipientEmail:
		return fail(fmt.Sprintf("unknown recipient kind %q", dl.Kind))
	}
	return j, nil
}

// finished is a delivery after an attempt, with the attempt, waiting to be recorded.
type finished = store.Finish

// attempt makes j's next attempt, unless the lease could end first (another replica may
// take the delivery then, and send it too).
func (d *Dispatcher) attempt(ctx context.Context, j *job) (finished, bool) {
	at := d.cfg.Now()
	if at.Add(d.cfg.AttemptTimeout).After(j.until) {
		d.log.Warn("lease too close to its end: delivery left for a later lease", "delivery", j.d.ID)
		return finished{}, false
	}
	n := j.d.AttemptCount + 1
	start := time.Now()
	r := d.send(ctx, j, n, at)
	took := time.Since(start)
	d.timed(took)
	f := d.next(j.d, r, at, d.cfg.Now(), took)
	d.logAttempt(f)
	d.cfg.Metrics.DeliveryAttempt(f.Delivery.Kind, f.Attempt.Outcome, took)
	return f, true
}

func (d *Dispatcher) send(ctx context.Context, j *job, n int, at time.Time) result {
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

// next is dl after an attempt begun at at came to r: delivered, gone, failed (refused for
// good, or the schedule spent), or pending at the later of the next step and Retry-After.
func (d *Dispatcher) next(dl api.AlertDelivery, r result, at, now time.Time, latency time.Duration) finished {
	dl.AttemptCount++
	a := api.AlertAttempt{N: dl.AttemptCount, At: at, StatusCode: r.StatusCode, LatencyMS: latency.Milliseconds(), Outcome: r.Outcome, Error: r.Err}
	dl.NextAttemptAt, dl.LastError, dl.UpdatedAt = nil, r.Err, now
	switch r.Outcome {
	case api.AttemptDelivered:
		dl.Status, dl.DeliveredAt = api.DeliveryDelivered, &now
	case api.AttemptGone:
		dl.Status = api.DeliveryGone
	case api.AttemptRetry:
		// A retry through the API starts the schedule afresh at ScheduleStart.
		if wait, ok := d.cfg.Schedule.after(dl.AttemptCount-dl.ScheduleStart, d.cfg.Rand()); ok {
			due := now.Add(max(wait, r.RetryAfter))
			dl.Status, dl.NextAttemptAt = api.DeliveryPending, &due
			break
		}
		a.Outcome = api.AttemptFailed
		fallthrough
	default:
		dl.Status = api.DeliveryFailed
	}
	return finished{Delivery: dl, Attempt: a}
}

func (d *Dispatcher) logAttempt(f finished) {
	level := slog.LevelDebug
	switch f.Delivery.Status {
	case api.DeliveryPending:
		level = slog.LevelInfo
	case api.DeliveryFailed, api.DeliveryGone:
		level = slog.LevelWarn
	}
	if !d.log.Enabled(context.Background(), level) {
		return // a delivered attempt is logged at debug: skip making its line
	}
	d.log.Log(context.Background(), level, "alert delivery attempt", "delivery", f.Delivery.ID, "environment", f.Delivery.EnvironmentID,
		"kind", f.Delivery.Kind, "target", access.RedactTarget(f.Delivery.Kind, f.Delivery.Target), "attempt", f.Attempt.N, "outcome", f.Attempt.Outcome,
		"status", f.Delivery.Status, "status_code", f.Attempt.StatusCode, "error", f.Attempt.Error)
}

func (d *Dispatcher) recordMax() int { return 16 * d.cfg.Batch }

// record writes the results that come within RecordWait of one another's first together in
// one transaction: SQLite has one writer, and a commit per attempt would cap throughput at
// its commit rate. A batch that fails to be written is sent again when its leases expire
// (at least once).
func (d *Dispatcher) record(ctx context.Context, results <-chan finished) error {
	var first error
	batch := make([]finished, 0, d.recordMax())
	for f := range results {
		batch = append(batch[:0], f)
		wait := time.NewTimer(d.cfg.RecordWait)
	gather:
		for len(batch) < d.recordMax() {
			select {
			case f, ok := <-results:
				if !ok {
					break gather
				}
				batch = append(batch, f)
			case <-wait.C:
				break gather
			}
		}
		wait.Stop()
		if err := d.finish(ctx, batch); err != nil {
			d.log.Error("recording attempts", "error", err, "attempts", len(batch))
			first = cmp.Or(first, err)
		}
	}
	return first
}

// finish records a batch of attempts in one transaction, dropping those whose leases
// another replica took: that one's attempts are on record.
func (d *Dispatcher) finish(ctx context.Context, batch []finished) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var lost []string
	err := d.cfg.Store.Update(ctx, func(tx store.Tx) (err error) {
		lost, err = tx.FinishAttempts(d.cfg.Owner, batch)
		return err
	})
	if err == nil && len(lost) > 0 {
		d.log.Warn("lease lost before the attempt was recorded: another dispatcher took the delivery", "deliveries", lost)
	}
	return err
}
