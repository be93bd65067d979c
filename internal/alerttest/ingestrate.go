package alerttest

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// IngestRate posts n new alerts to am, one per request, over conns concurrent connections, and
// returns how many it took per second. Every alert has labels no other has (this run's and its
// own number), so each becomes a notification of its own: what load on Warden's ingest URL
// looks like when a fleet starts failing. It stops at the first error.
func IngestRate(ctx context.Context, am *Alertmanager, conns, n int) (float64, error) {
	if conns < 1 || n < 1 {
		return 0, errors.New("alerttest: IngestRate needs conns and n of at least 1")
	}
	// Each worker keeps its connection: a new one per request would measure the handshake.
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	run := rand.Text()[:8]
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(n) && ctx.Err() == nil; i = next.Add(1) {
				a := PostableAlert{
					Labels:      map[string]string{"alertname": "IngestRate", "run": run, "n": strconv.FormatInt(i, 10), "severity": "critical"},
					Annotations: map[string]string{"summary": "ingest rate alert " + strconv.FormatInt(i, 10)},
				}
				if err := postAlerts(ctx, c, am.URL, []PostableAlert{a}); err != nil {
					cancel(err)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := context.Cause(ctx); err != nil {
		return 0, err
	}
	return float64(n) / elapsed.Seconds(), nil
}
