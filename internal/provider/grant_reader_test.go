package provider

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// The grant reader lists each environment once, answers every grant of it from that
// listing (absent grants as NotFound), forgets an environment the provider writes to, and
// never remembers a failed listing.
func TestGrantReader(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	c := srv.Client
	env, err := c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "prod", Cloud: "gcp"})
	if err != nil {
		t.Fatal(err)
	}
	var roles []*api.Role
	for _, name := range []string{"a", "b", "c"} {
		r, err := c.CreateRole(ctx, api.RoleCreate{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		roles = append(roles, r)
	}
	for _, r := range roles[:2] {
		if _, err := c.CreateGrant(ctx, env.ID, api.GrantCreate{RoleID: r.ID, Permissions: []string{"ops"}}); err != nil {
			t.Fatal(err)
		}
	}

	gr := newGrantReader(c)
	var wg sync.WaitGroup
	for _, r := range roles {
		wg.Go(func() {
			g, err := gr.Get(ctx, env.ID, r.ID)
			switch {
			case r.Name == "c" && !errors.Is(err, client.ErrNotFound):
				t.Errorf("role c has no grant: %v %v", g, err)
			case r.Name != "c" && (err != nil || g.RoleID != r.ID || g.Permissions[0] != "ops"):
				t.Errorf("grant of %s: %+v %v", r.Name, g, err)
			}
		})
	}
	wg.Wait()

	// Changed outside: the listing of this command still answers (drift is the next
	// command's); changed by the provider itself: read afresh.
	if err := c.DeleteGrant(ctx, env.ID, roles[0].ID, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := gr.Get(ctx, env.ID, roles[0].ID); err != nil {
		t.Errorf("the command's listing: %v", err)
	}
	gr.Changed(env.ID)
	if _, err := gr.Get(ctx, env.ID, roles[0].ID); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("after the provider's own change: %v", err)
	}

	// A failed listing is not remembered.
	if _, err := gr.Get(ctx, "env_missing", roles[0].ID); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("missing environment: %v", err)
	}
	gr.mu.Lock()
	_, kept := gr.envs["env_missing"]
	gr.mu.Unlock()
	if kept {
		t.Error("a failed listing is remembered")
	}
}
