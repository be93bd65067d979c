package alerting

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/store"
	"github.com/wardenhq/terraform-provider-warden/internal/testclock"
)

// backlog is the size of the outbox each benchmark iteration works through.
const backlog = 3200

// The recorder alone: finishing a leased backlog in transactions of Batch (64), on the store
// WARDEN_TEST_STORE selects. SQLite's one writer makes this the dispatcher's ceiling.
func BenchmarkDispatcher_finish(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		f := newFixture(b, testclock.New(epoch))
		f.addMany(testAlert("alr_1", api.AlertFiring, epoch), api.RecipientWebhook, "https://hooks.example.com/", backlog)
		d := f.dispatcher(Config{})
		var done []finished
		f.update(func(tx store.Tx) error {
			ds, err := tx.LeaseDeliveries(d.cfg.Owner, epoch, epoch.Add(time.Minute), backlog)
			for _, dl := range ds {
				done = append(done, d.next(dl, result{Outcome: api.AttemptDelivered, StatusCode: 200}, epoch, epoch, time.Millisecond))
			}
			return err
		})
		b.StartTimer()
		start := time.Now()
		for batch := range slices.Chunk(done, d.cfg.Batch) {
			if err := d.finish(b.Context(), batch); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(done))/time.Since(start).Seconds(), "finishes/s")
	}
}

// The whole round, lease to record, to a receiver on 127.0.0.1 that answers 204 at once.
func BenchmarkDispatcher_backlog(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		f := newFixture(b, testclock.New(epoch))
		hook := newReceiver(b, answer(http.StatusNoContent))
		f.addMany(testAlert("alr_1", api.AlertFiring, epoch), api.RecipientWebhook, hook.URL, backlog)
		d := f.dispatcher(Config{AllowPrivate: true})
		b.StartTimer()
		start, total := time.Now(), 0
		for {
			n, err := d.RunOnce(b.Context())
			if err != nil {
				b.Fatal(err)
			}
			if total += n; n == 0 {
				break
			}
		}
		b.ReportMetric(float64(total)/time.Since(start).Seconds(), "deliveries/s")
		if total != backlog || len(hook.requests()) != backlog {
			b.Fatalf("%d leased, %d sent; want %d", total, len(hook.requests()), backlog)
		}
	}
}
