package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// The cost of the plan's access previews: a plan changing previewGrants grants (each
// previewed by the API, reaching the previewUsers holders of its role) against the same plan
// with access_preview = false. The target: at most 1.25 times.
const (
	previewGrants   = 100
	previewUsers    = 10 // per role, assigned outside Terraform
	previewRuns     = 3  // plans of each kind, interleaved; the medians are compared
	targetPreviewX  = 1.25
	previewEnvCount = 20 // other environments, each with a grant of every role: the policy the previews copy
)

// previewConfig is grantsConfig's shape with the given permissions and provider settings.
func previewConfig(srv *acctest.Server, perms, settings string) string {
	cfg := grantsConfig(srv, previewGrants)
	cfg = strings.Replace(cfg, `permissions    = ["deployment", "ops"]`, "permissions    = "+perms, 1)
	return strings.Replace(cfg, fmt.Sprintf("  token    = %q\n", srv.Token), fmt.Sprintf("  token    = %q\n  %s\n", srv.Token, settings), 1)
}

// BenchmarkPlanPreview times a plan that changes every grant of grantsConfig's shape, with
// previews and without, and prints the ratio with the target's verdict (`make bench`).
func BenchmarkPlanPreview(b *testing.B) {
	bin := providerBinary(b)
	tf, err := exec.LookPath("terraform")
	if err != nil {
		b.Skip("terraform is not on PATH")
	}
	cliConfig, _ := devOverrides(b, bin)
	srv := acctest.NewServer(b)
	work := b.TempDir()
	main := filepath.Join(work, "main.tf")
	writeFile(b, main, previewConfig(srv, `["ops"]`, "access_preview = false"))
	terraform(b, tf, work, cliConfig, "", applyArgs...)
	populatePreviewOrg(b, srv)

	var on, off []time.Duration
	var out string
	calls := previewCalls(b, srv)
	for range b.N {
		on, off = nil, nil
		for range previewRuns {
			writeFile(b, main, previewConfig(srv, `["deployment"]`, "access_preview = false"))
			off = append(off, terraform(b, tf, work, cliConfig, "", previewPlanArgs...))
			writeFile(b, main, previewConfig(srv, `["deployment"]`, ""))
			var took time.Duration
			took, out = terraformOutput(b, tf, work, cliConfig, "", nil, previewPlanArgs...)
			on = append(on, took)
		}
	}
	// Terraform prints one warning of a kind and counts the others; the server counts the
	// previews it answered.
	if !strings.Contains(out, fmt.Sprintf("Access Change: %d users gain", previewUsers)) {
		b.Fatalf("the plan with previews printed no access warning:\n%s", tail(out, 40))
	}
	if n, want := previewCalls(b, srv)-calls, b.N*previewRuns*previewGrants; n != want {
		b.Fatalf("the server answered %d previews, want %d (one per grant per plan with previews)", n, want)
	}
	mOn, mOff := median(on), median(off)
	ratio := mOn.Seconds() / mOff.Seconds()
	b.ReportMetric(mOn.Seconds(), "preview-plan-s")
	b.ReportMetric(mOff.Seconds(), "no-preview-plan-s")
	b.ReportMetric(ratio, "preview-x")
	verdict := "met"
	if ratio > targetPreviewX {
		verdict = "NOT met"
	}
	fmt.Printf("\nPlan changing %d grants (each reaching %d users; %d environments): with previews %s, access_preview = false %s "+
		"(medians of %d, -parallelism=%d)\nTarget: with previews ÷ without ≤ %g×: %.2f× — %s\n",
		previewGrants, previewUsers, previewEnvCount+1, secs(mOn), secs(mOff), previewRuns, parallelism, targetPreviewX, ratio, verdict)
}

var previewPlanArgs = []string{"plan", "-input=false", "-no-color", "-lock=false", "-parallelism=" + fmt.Sprint(parallelism), "-refresh=true"}

// populatePreviewOrg gives every role previewUsers holders and a grant in previewEnvCount
// more environments, through the API, so that each preview has users to reach and a policy
// of some size to work on.
func populatePreviewOrg(b *testing.B, srv *acctest.Server) {
	b.Helper()
	ctx := context.Background()
	roles, err := srv.Client.ListRoles(ctx, client.ListRolesOptions{})
	if err != nil {
		b.Fatal(err)
	}
	roles = slices.DeleteFunc(roles, func(r api.Role) bool { return r.Builtin })
	for i, r := range roles {
		for u := range previewUsers {
			user, err := srv.Client.CreateUser(ctx, api.UserCreate{Email: fmt.Sprintf("user-%03d-%02d@example.com", i, u)})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := srv.Client.CreateRoleAssignment(ctx, r.ID, api.RoleAssignmentCreate{UserID: user.ID}); err != nil {
				b.Fatal(err)
			}
		}
	}
	for e := range previewEnvCount {
		env, err := srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: fmt.Sprintf("other-%02d", e), Cloud: "gcp"})
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range roles {
			if _, err := srv.Client.CreateGrant(ctx, env.ID, api.GrantCreate{RoleID: r.ID, Permissions: []string{"ops"}}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Sorted(slices.Values(ds))
	return s[len(s)/2]
}

// previewCalls counts the server's 200 answers to POST /v1/access-preview, from its metrics.
func previewCalls(b *testing.B, srv *acctest.Server) int {
	b.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+"/metrics", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+srv.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "warden_http_requests_total{") && strings.Contains(line, `route="/v1/access-preview"`) && strings.Contains(line, `code="200"`) {
			v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			if err != nil {
				b.Fatal(err)
			}
			n += int(v)
		}
	}
	return n
}
