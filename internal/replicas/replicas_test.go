package replicas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
	"github.com/wardenhq/terraform-provider-warden/internal/provider"
)

// providerFactories serves this build of the provider in-process; only the servers are
// separate processes.
var providerFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"warden": provider.NewProtocol6ServerWithError("test"),
}

// requireTerraform skips a test that drives Terraform unless TF_ACC is set, before it starts
// any replica (resource.Test would skip only after).
func requireTerraform(t *testing.T) {
	t.Helper()
	if os.Getenv(resource.EnvTfAcc) == "" {
		t.Skipf("set %s=1 to run Terraform against the replicas (make test does)", resource.EnvTfAcc)
	}
}

// providerBlock points the provider at endpoint with short retry waits: a retry after a
// replica failed goes to the other one at once, so waiting longer proves nothing.
func providerBlock(endpoint string) string {
	return fmt.Sprintf(`
provider "warden" {
  endpoint          = %q
  token             = %q
  retry_max         = 10
  retry_wait_min_ms = 10
  retry_wait_max_ms = 200
}
`, endpoint, bootstrapToken)
}

// quickstartConfig is examples/quickstart/main.tf as a user applies it, with its terraform
// block (which names the registry source; the test serves the provider itself) and its empty
// provider block (which reads WARDEN_ENDPOINT) replaced by a block pointing at endpoint.
func quickstartConfig(t *testing.T, endpoint string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "quickstart", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	src, ok := cutBlock(src, "terraform {")
	if !ok {
		t.Fatal("examples/quickstart/main.tf has no `terraform {` block: update quickstartConfig")
	}
	src, ok = cutBlock(src, `provider "warden" {`)
	if !ok {
		t.Fatal("examples/quickstart/main.tf has no `provider \"warden\" {` block: update quickstartConfig")
	}
	return providerBlock(endpoint) + src
}

// cutBlock removes the top-level block whose first line starts with header, up to its
// matching closing brace (the quickstart has no braces inside strings).
func cutBlock(src, header string) (string, bool) {
	lines := strings.SplitAfter(src, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, header) {
			continue
		}
		depth := 0
		for j := i; j < len(lines); j++ {
			depth += strings.Count(lines[j], "{") - strings.Count(lines[j], "}")
			if depth == 0 {
				return strings.Join(lines[:i], "") + strings.Join(lines[j+1:], ""), true
			}
		}
		return src, false
	}
	return src, false
}

// TestReplicas_quickstart applies the quickstart through the round-robin proxy, then requires
// an empty plan: each object is created on one replica and read back on the other.
func TestReplicas_quickstart(t *testing.T) {
	requireTerraform(t)
	t.Parallel()
	a, b := startPair(t)
	proxy := newRoundRobin(t, a, b)
	config := quickstartConfig(t, proxy.URL)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(*terraform.State) error {
					t.Logf("quickstart apply: %s", proxy)
					for _, u := range proxy.ups {
						if u.answered.Load() == 0 {
							return fmt.Errorf("replica %s served nothing, so the apply proved nothing about replicas: %s", u.r.name, proxy)
						}
					}
					return nil
				},
			},
			{Config: config, PlanOnly: true}, // fails on any planned change
		},
	})
	t.Logf("quickstart total: %s", proxy)
}

// TestReplicas_api checks, with a client bound to each replica, that a change answered by
// one is what the other answers from then on.
func TestReplicas_api(t *testing.T) {
	t.Parallel()
	a, b := startPair(t)

	t.Run("stale If-Match via B after a change via A is refused", func(t *testing.T) {
		ctx := t.Context()
		role, err := a.Client.CreateRole(ctx, api.RoleCreate{Name: "ifmatch", Permissions: []string{"conducts.read"}})
		if err != nil {
			t.Fatal(err)
		}
		seen, err := b.Client.GetRole(ctx, role.ID)
		if err != nil {
			t.Fatal(err)
		}
		desc := "changed via A"
		changed, err := a.Client.UpdateRole(ctx, role.ID, api.RoleUpdate{Description: &desc}, seen.Version)
		if err != nil {
			t.Fatal(err)
		}
		if changed.Version <= seen.Version {
			t.Fatalf("the update via A left version %d (was %d)", changed.Version, seen.Version)
		}
		stale := "changed via B from a stale read"
		_, err = b.Client.UpdateRole(ctx, role.ID, api.RoleUpdate{Description: &stale}, seen.Version)
		if !errors.Is(err, client.ErrPreconditionFailed) {
			t.Fatalf("PATCH via B with If-Match %d after A made it %d: got %v, want 412", seen.Version, changed.Version, err)
		}
		now, err := b.Client.GetRole(ctx, role.ID)
		if err != nil {
			t.Fatal(err)
		}
		if now.Version != changed.Version || now.Description != desc {
			t.Fatalf("B reads version %d %q, want A's version %d %q", now.Version, now.Description, changed.Version, desc)
		}
	})

	t.Run("an Idempotency-Key replayed via B returns A's answer", func(t *testing.T) {
		body := []byte(`{"name":"idempotent","description":"created once"}`)
		const key = "replicas-idempotency-key-1"
		first := postGroup(t, a.URL, key, body)
		second := postGroup(t, b.URL, key, body)
		firstBody, secondBody := first.body, second.body
		if first.status != http.StatusCreated || second.status != http.StatusCreated {
			t.Fatalf("statuses via A and B: %d and %d, want 201 twice\nA: %s\nB: %s", first.status, second.status, firstBody, secondBody)
		}
		if got := first.header.Get("Idempotent-Replayed"); got == "true" {
			t.Fatalf("the first request via A was marked replayed")
		}
		if got := second.header.Get("Idempotent-Replayed"); got != "true" {
			t.Fatalf("the replay via B has Idempotent-Replayed %q, want true", got)
		}
		var g1, g2 api.Group
		if err := json.Unmarshal(firstBody, &g1); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(secondBody, &g2); err != nil {
			t.Fatal(err)
		}
		if g1.ID == "" || g1.ID != g2.ID || g1.Version != g2.Version {
			t.Fatalf("A answered %s v%d, the replay via B %s v%d", g1.ID, g1.Version, g2.ID, g2.Version)
		}
		groups, err := a.Client.ListGroups(t.Context(), client.ListGroupsOptions{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, g := range groups {
			if g.Name == "idempotent" {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d groups named idempotent, want 1", n)
		}
	})

	t.Run("a revoke via A denies via B at once", func(t *testing.T) {
		ctx := t.Context()
		env, err := a.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "revoke", Cloud: "aws"})
		if err != nil {
			t.Fatal(err)
		}
		user, err := a.Client.CreateUser(ctx, api.UserCreate{Email: "alice@revoke.example.com", Name: "Alice"})
		if err != nil {
			t.Fatal(err)
		}
		role, err := a.Client.CreateRole(ctx, api.RoleCreate{Name: "deployers"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Client.CreateRoleAssignment(ctx, role.ID, api.RoleAssignmentCreate{UserID: user.ID}); err != nil {
			t.Fatal(err)
		}
		grant, err := a.Client.CreateGrant(ctx, env.ID, api.GrantCreate{RoleID: role.ID, Permissions: []string{"deployment"}})
		if err != nil {
			t.Fatal(err)
		}
		ask := api.AuthorizeRequest{PrincipalID: user.ID, EnvironmentID: env.ID, Action: "apps.deploy"}
		before, err := b.Client.Authorize(ctx, ask)
		if err != nil {
			t.Fatal(err)
		}
		if !before.Allowed || before.Via == nil || before.Via.GrantID != grant.ID {
			t.Fatalf("via B before the revoke: %+v, want allowed by grant %s", before, grant.ID)
		}
		if err := a.Client.DeleteGrant(ctx, env.ID, role.ID, grant.Version); err != nil {
			t.Fatal(err)
		}
		// No wait: the delete's 204 from A is the moment from which every replica denies.
		after, err := b.Client.Authorize(ctx, ask)
		if err != nil {
			t.Fatal(err)
		}
		if after.Allowed {
			t.Fatalf("via B after the revoke via A: %+v, want denied", after)
		}
	})
}

// postGroup sends POST /v1/groups with an explicit Idempotency-Key straight to one replica
// (raw net/http: the client makes up its own key for every call).
func postGroup(t *testing.T, base, key string, body []byte) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+"/v1/groups", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+bootstrapToken)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var out bytes.Buffer
	if _, err := out.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: out.Bytes()}
}

// answer is what a replica answered to one raw request.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// The kill test's configuration: one environment, loadRoles roles and loadGrants grants of
// those roles on it, 200 objects in all.
const (
	loadRoles   = 100
	loadGrants  = 99
	loadObjects = 1 + loadRoles + loadGrants
	// killAfterPosts is when replica A dies: a third of the way through the creates.
	killAfterPosts = loadObjects / 3
)

// errKilledBeforeAnswer drops the answer of the request during which replica A was killed.
var errKilledBeforeAnswer = errors.New("replica killed before its answer left")

func loadConfig(endpoint string) string {
	return providerBlock(endpoint) + fmt.Sprintf(`
resource "warden_environment" "load" {
  name  = "load"
  cloud = "aws"
}

resource "warden_role" "load" {
  count       = %d
  name        = format("load-%%03d", count.index)
  permissions = ["conducts.read"]
}

resource "warden_environment_grant" "load" {
  count          = %d
  role_id        = warden_role.load[count.index].id
  environment_id = warden_environment.load.id
  permissions    = ["deployment"]
}
`, loadRoles, loadGrants)
}

// TestReplicas_killMidApply applies 200 objects through the proxy and SIGKILLs replica A a
// third of the way through the creates. The provider's retries (each change keeping its
// Idempotency-Key) finish the apply through B: the API then holds exactly the declared
// objects, each with the id in state, and a re-plan is empty.
func TestReplicas_killMidApply(t *testing.T) {
	requireTerraform(t)
	t.Parallel()
	a, b := startPair(t)
	proxy := newRoundRobin(t, a, b)
	ua := proxy.ups[0]
	var inFlightAtKill int64
	var fired atomic.Bool // answers arrive concurrently: kill once
	killed := make(chan error, 1)
	// A dies once it has committed a create a third of the way through, before its answer
	// leaves: the worst moment, since only that create's Idempotency-Key, retried via B,
	// keeps it from being made twice. Requests in flight at A then fail over too.
	proxy.onAnswer = func(u *upstream, resp *http.Response) error {
		if u != ua || resp.Request.Method != http.MethodPost || resp.StatusCode != http.StatusCreated ||
			proxy.posts.Load() < killAfterPosts || !fired.CompareAndSwap(false, true) {
			return nil
		}
		inFlightAtKill = ua.inFlight.Load() - 1 // besides this one
		killed <- a.kill()
		return errKilledBeforeAnswer
	}
	config := loadConfig(proxy.URL)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) error {
					select {
					case err := <-killed:
						if err != nil {
							return fmt.Errorf("SIGKILL to replica A: %w", err)
						}
					default:
						return fmt.Errorf("replica A was never killed (%d POSTs): %s", proxy.posts.Load(), proxy)
					}
					t.Logf("apply with A killed after %d POSTs (%d other requests in flight at A then): %s", killAfterPosts, inFlightAtKill, proxy)
					if proxy.replayed.Load() == 0 {
						return fmt.Errorf("the create A committed without answering was not replayed via B: %s", proxy)
					}
					return checkLoad(t, b.Client, s)
				},
			},
			{Config: config, PlanOnly: true}, // fails on any planned change
		},
		CheckDestroy: func(*terraform.State) error {
			roles, err := b.Client.ListRoles(t.Context(), client.ListRolesOptions{})
			if err != nil {
				return err
			}
			for _, r := range roles {
				if !r.Builtin {
					return fmt.Errorf("role %s (%s) remains after destroy", r.Name, r.ID)
				}
			}
			envs, err := b.Client.ListEnvironments(t.Context(), client.ListEnvironmentsOptions{})
			if err != nil {
				return err
			}
			if len(envs) != 0 {
				return fmt.Errorf("%d environments remain after destroy", len(envs))
			}
			return nil
		},
	})
	t.Logf("kill test total: %s", proxy)
}

// checkLoad requires the API (asked via c) to hold exactly the kill test's objects, no
// duplicate among them, each with the id Terraform's state holds.
func checkLoad(t *testing.T, c *client.Client, s *terraform.State) error {
	ctx := t.Context()
	stateID := func(addr string) (string, error) {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return "", fmt.Errorf("%s missing from state", addr)
		}
		return rs.Primary.ID, nil
	}

	envs, err := c.ListEnvironments(ctx, client.ListEnvironmentsOptions{})
	if err != nil {
		return err
	}
	envID, err := stateID("warden_environment.load")
	if err != nil {
		return err
	}
	if len(envs) != 1 || envs[0].ID != envID {
		return fmt.Errorf("the API holds %d environments (%+v), want exactly %s", len(envs), envs, envID)
	}

	roles, err := c.ListRoles(ctx, client.ListRolesOptions{})
	if err != nil {
		return err
	}
	byName := map[string]string{}
	for _, r := range roles {
		if r.Builtin {
			continue
		}
		if other, dup := byName[r.Name]; dup {
			return fmt.Errorf("role %q exists twice (%s and %s): a retried create acted twice", r.Name, other, r.ID)
		}
		byName[r.Name] = r.ID
	}
	if len(byName) != loadRoles {
		return fmt.Errorf("the API holds %d roles, want exactly %d", len(byName), loadRoles)
	}
	for i := range loadRoles {
		id, err := stateID(fmt.Sprintf("warden_role.load.%d", i))
		if err != nil {
			return err
		}
		if name := fmt.Sprintf("load-%03d", i); byName[name] != id {
			return fmt.Errorf("role %s: state has %s, the API %q", name, id, byName[name])
		}
	}

	grants, err := c.ListGrants(ctx, envID)
	if err != nil {
		return err
	}
	granted := map[string]bool{}
	for _, g := range grants {
		granted[g.RoleID] = true
	}
	if len(grants) != loadGrants || len(granted) != loadGrants {
		return fmt.Errorf("the API holds %d grants on %d roles, want exactly %d", len(grants), len(granted), loadGrants)
	}
	for i := range loadGrants {
		if id := byName[fmt.Sprintf("load-%03d", i)]; !granted[id] {
			return fmt.Errorf("role load-%03d (%s) has no grant", i, id)
		}
	}
	return nil
}
