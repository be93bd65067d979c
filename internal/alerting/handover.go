package alerting

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/store"
)

// Handing deliveries over in memory. A server that ingests alerts inserts their deliveries
// leased to its own dispatcher already (store.Tx.InsertDeliveries) and, once they are
// committed, hands them to it with their alerts: the dispatcher sends them without a
// transaction of its own to lease them and another to read their alerts, which on SQLite
// take the one writer that ingestion needs. Nothing is lost to a crash: until an attempt is
// recorded a delivery stays pending in the database, its lease ends, and a dispatcher sends
// it then (a restarted server alone on its store frees its leases at once).
//
// The dispatcher takes at most Room deliveries waiting for a worker this way, fewer when
// attempts are slow: as many as the workers, at the average attempt's pace, begin within half
// of what a lease leaves after one attempt's timeout (and at least Batch, LeaseFor's own
// bound). Beyond, deliveries are inserted unleased and the dispatcher leases them from the
// database (Notify). While ingestion outpaces delivery, those cost a write transaction to
// lease them and a read of their alerts each: a room of one batch spilled nearly every
// delivery of a burst. A wait longer than the average promised (attempts slowing at once)
// is safe still: an attempt that could outlast its lease is not begun (attempt), and the
// delivery is sent once its lease ends.
//
// Only the first quarter of the room holds the deliveries' alerts too; the rest are read
// when their deliveries' turn comes (in the read transaction that reads their environments):
// a delivery is small, an alert with its labels, annotations and routing is not, and the
// server's memory must stay flat while a backlog builds.

// Handover is one ingesting transaction's deliveries, handed to the dispatcher after commit.
type Handover struct {
	d     *Dispatcher
	lease store.Lease
	// taken is the room the deliveries hold, kept the part of it whose alerts are kept too.
	taken, kept int
	// unleased is set when pending deliveries were inserted unleased (no room).
	unleased bool
	alerts   map[string]api.Alert
	ds       []api.AlertDelivery
}

// handoff is a committed Handover, waiting for the dispatcher's loop.
type handoff struct {
	lease  store.Lease
	alerts map[string]api.Alert // those kept: the others are read
	ds     []api.AlertDelivery
	kept   int
}

// room counts the handed-over deliveries no worker has taken yet, up to a bound.
type room struct {
	used atomic.Int64
	max  func() int64
}

func (r *room) take(n int) bool {
	limit := r.max()
	for {
		used := r.used.Load()
		if used+int64(n) > limit {
			return false
		}
		if r.used.CompareAndSwap(used, used+int64(n)) {
			return true
		}
	}
}

func (r *room) give(n int) { r.used.Add(-int64(n)) }

// keepFor is how many handed-over deliveries may wait with their alerts.
func (d *Dispatcher) keepFor() int64 { return int64(max(d.cfg.Room/4, 1)) }

// roomFor is how many handed-over deliveries may wait for a worker now.
func (d *Dispatcher) roomFor() int64 {
	least, most := int64(min(d.cfg.Batch, d.cfg.Room)), int64(d.cfg.Room)
	took := max(d.took.Load(), 1)
	budget := int64(d.cfg.LeaseFor-d.cfg.AttemptTimeout) / 2
	return min(most, max(least, budget/took*int64(d.cfg.Workers)))
}

// timed folds an attempt's duration into the moving average (1/16 of the way).
func (d *Dispatcher) timed(took time.Duration) {
	avg := d.took.Load()
	d.took.Store(avg + (int64(took)-avg)/16)
}

// Handover begins handing over the deliveries of a transaction that starts at now; nil (no
// handover: deliveries are inserted unleased) on a nil dispatcher.
func (d *Dispatcher) Handover(now time.Time) *Handover {
	if d == nil {
		return nil
	}
	return &Handover{d: d, lease: store.Lease{Owner: d.cfg.Owner, Until: now.Add(d.cfg.LeaseFor)}, alerts: map[string]api.Alert{}}
}

// Lease is the lease to insert the deliveries ds of alert a with (InsertDeliveries leases
// the pending ones), and notes the pending ones for handing over; the zero Lease when the
// dispatcher has no room for them: they are inserted unleased, and Notify wakes it.
func (h *Handover) Lease(a api.Alert, ds []api.AlertDelivery) store.Lease {
	var pending []api.AlertDelivery
	for _, dl := range ds {
		if dl.Status == api.DeliveryPending {
			pending = append(pending, dl)
		}
	}
	if h == nil || len(pending) == 0 {
		return store.Lease{}
	}
	if !h.d.room.take(len(pending)) {
		h.unleased = true
		return store.Lease{}
	}
	h.taken += len(pending)
	if h.d.keep.take(len(pending)) {
		h.kept += len(pending)
		h.alerts[a.ID] = a
	}
	h.ds = append(h.ds, pending...)
	return h.lease
}

// Done hands the deliveries over when their transaction committed, and wakes the dispatcher
// for those inserted unleased; when it did not commit (nothing was stored), it frees their
// room.
func (h *Handover) Done(committed bool) {
	if h == nil {
		return
	}
	if !committed {
		h.d.room.give(h.taken)
		h.d.keep.give(h.kept)
		return
	}
	if h.unleased {
		h.d.Notify()
	}
	if h.taken == 0 {
		return
	}
	// Never blocks: each handoff holds room for at least one delivery, and the channel
	// holds as many handoffs as there is room.
	h.d.handoffs <- handoff{lease: h.lease, alerts: h.alerts, ds: h.ds, kept: h.kept}
}

// gather takes the handoffs queued behind h, up to about a batch of deliveries: one read
// transaction serves them all.
func (d *Dispatcher) gather(h handoff) []handoff {
	hs, n := []handoff{h}, len(h.ds)
	for n < d.cfg.Batch {
		select {
		case h := <-d.handoffs:
			hs, n = append(hs, h), n+len(h.ds)
		default:
			return hs
		}
	}
	return hs
}

// feedHandoffs finds what the attempts of handoffs need besides the alerts kept (each
// environment and its signing keys, the other alerts) among the environments read lately,
// else in a read transaction, and hands them to the workers.
func (d *Dispatcher) feedHandoffs(ctx context.Context, p *pipeline, hs []handoff) {
	defer func() {
		for _, h := range hs {
			d.room.give(len(h.ds))
			d.keep.give(h.kept)
		}
	}()
	now := d.cfg.Now()
	var jobs []*job
	// Without a transaction first: the alerts kept and the environments read lately are
	// usually all a burst needs.
	prepare := func(tx deliveryTx) error {
		jobs = jobs[:0]
		envs, prefixes := map[string]*envInfo{}, map[string][]byte{}
		for _, h := range hs {
			c := prepared{envs: envs, alerts: h.alerts, prefixes: prefixes, cache: &d.envs}
			for _, dl := range h.ds {
				j, err := c.prepare(tx, dl, now)
				if err != nil {
					return err
				}
				j.until = h.lease.Until
				jobs = append(jobs, j)
			}
		}
		return nil
	}
	err := prepare(nil)
	if errors.Is(err, errNeedRead) {
		err = d.cfg.Store.View(ctx, func(tx store.Tx) error { return prepare(tx) })
	}
	if err != nil {
		d.log.Error("reading what handed-over deliveries need", "error", err)
		for _, h := range hs {
			d.release(h.ds)
		}
		d.Notify()
		return
	}
	for _, j := range jobs {
		select {
		case p.jobs <- j:
		case <-ctx.Done():
			return
		}
	}
}
