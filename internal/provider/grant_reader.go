package provider

import (
	"context"
	"sync"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// grantReader answers the Reads of warden_environment_grant from one listing of each
// environment's grants per Terraform command (a provider configuration lives for one
// command): refreshing a thousand grants in ten environments costs ten round trips, not a
// thousand — what matters when the API is tens of milliseconds away. The listing is the
// API's state when the command first asked; the provider's own writes drop it, so a Read
// after them fetches afresh. Drift is seen by the next command, exactly as with one GET each.
type grantReader struct {
	c    *client.Client
	mu   sync.Mutex
	envs map[string]*envListing
}

// envListing is one environment's grants, loaded once; ready closes when it is loaded.
type envListing struct {
	ready  chan struct{}
	err    error
	byRole map[string]api.Grant
}

func newGrantReader(c *client.Client) *grantReader {
	return &grantReader{c: c, envs: map[string]*envListing{}}
}

// Get returns the grant of roleID in envID, or client.ErrNotFound.
func (r *grantReader) Get(ctx context.Context, envID, roleID string) (*api.Grant, error) {
	r.mu.Lock()
	l, ok := r.envs[envID]
	if !ok {
		l = &envListing{ready: make(chan struct{})}
		r.envs[envID] = l
		r.mu.Unlock()
		l.load(ctx, r.c, envID)
		if l.err != nil {
			r.forget(envID, l) // a failed listing is not remembered: the next Read tries again
		}
	} else {
		r.mu.Unlock()
	}
	select {
	case <-l.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if l.err != nil {
		return nil, l.err
	}
	g, ok := l.byRole[roleID]
	if !ok {
		return nil, client.ErrNotFound
	}
	return &g, nil
}

func (l *envListing) load(ctx context.Context, c *client.Client, envID string) {
	defer close(l.ready)
	grants, err := c.ListGrants(ctx, envID)
	if err != nil {
		l.err = err
		return
	}
	l.byRole = make(map[string]api.Grant, len(grants))
	for _, g := range grants {
		l.byRole[g.RoleID] = g
	}
}

// forget drops envID's listing (only l, when given: not a newer one).
func (r *grantReader) forget(envID string, l *envListing) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if cur, ok := r.envs[envID]; ok && (l == nil || cur == l) {
		delete(r.envs, envID)
	}
}

// Changed says the provider wrote a grant in envID ("" for a write that may remove grants
// anywhere: deleting a role or an environment).
func (r *grantReader) Changed(envID string) {
	if r == nil {
		return
	}
	if envID != "" {
		r.forget(envID, nil)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.envs)
}
