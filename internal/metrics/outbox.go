package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wardenhq/terraform-provider-warden/internal/store"
)

// outboxCollector reports the outbox's backlog, read from the store when scraped: a gauge
// set by the code that changes the outbox would be wrong on every replica but the one that
// made the change, while the outbox is shared. The read is cached for OutboxCacheFor of the
// server's clock; the age is taken at each scrape from the cached oldest instant, so that it
// keeps growing between reads as it does in the database.
type outboxCollector struct {
	read func(context.Context) (store.OutboxStats, error)
	now  func() time.Time

	pending, oldestAge *prometheus.Desc

	mu     sync.Mutex // held across a read: concurrent scrapes share it
	stats  store.OutboxStats
	readAt time.Time // of the last successful read; zero before one
}

func newOutboxCollector(read func(context.Context) (store.OutboxStats, error), now func() time.Time) *outboxCollector {
	return &outboxCollector{read: read, now: now,
		pending: prometheus.NewDesc("warden_alert_outbox_pending_deliveries",
			"Deliveries waiting for an attempt, across every replica sharing the store (read at scrape time).", nil, nil),
		oldestAge: prometheus.NewDesc("warden_alert_outbox_oldest_pending_age_seconds",
			"Age of the oldest delivery waiting for an attempt; 0 when none waits (read at scrape time).", nil, nil),
	}
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.pending
	ch <- c.oldestAge
}

// Collect reports the cached backlog, read again when older than OutboxCacheFor. A read that
// fails reports an invalid metric (the scrape serves everything else, and counts the error)
// and is not cached: the next scrape tries again.
func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.readAt.IsZero() || now.Sub(c.readAt) >= OutboxCacheFor || now.Before(c.readAt) {
		ctx, cancel := context.WithTimeout(context.Background(), OutboxTimeout)
		stats, err := c.read(ctx)
		cancel()
		if err != nil {
			ch <- prometheus.NewInvalidMetric(c.pending, err)
			return
		}
		c.stats, c.readAt = stats, now
	}
	age := 0.0
	if c.stats.OldestPending != nil {
		age = max(0, now.Sub(*c.stats.OldestPending).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(c.stats.Pending))
	ch <- prometheus.MustNewConstMetric(c.oldestAge, prometheus.GaugeValue, age)
}
