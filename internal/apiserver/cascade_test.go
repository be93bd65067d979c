package apiserver

import (
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// Deleting support access ends the pending requests as well as the approved ones: re-created
// support access finds none of them approvable, and each ending is audited.
func TestCascade_deletingSupportAccessEndsPendingRequests(t *testing.T) {
	ts := newTestServer(t)
	env, _, _, secret := vendorSetup(ts, "aws", "operator", nil)
	approved := ts.fileAndApprove(secret, env.ID, "operator", 3600)
	var pending api.AccessRequest
	ts.call("POST", "/v1/access-requests", secret, api.AccessRequestCreate{EnvironmentID: env.ID, Tier: "support", DurationSeconds: 600}, 201, &pending)

	ts.call("DELETE", "/v1/environments/"+env.ID+"/support-access", ownerToken, nil, 204, nil)
	ts.call("POST", "/v1/environments/"+env.ID+"/support-access", ownerToken, api.SupportAccessCreate{Tier: "operator"}, 201, nil)

	for _, id := range []string{approved.ID, pending.ID} {
		var got api.AccessRequest
		ts.call("GET", "/v1/access-requests/"+id, ownerToken, nil, 200, &got)
		if got.Status != "revoked" {
			t.Errorf("request %s after support access was deleted: %+v", id, got)
		}
		if n := ts.auditCount(id, "access_request.revoke"); n != 1 {
			t.Errorf("request %s: %d access_request.revoke events, want 1", id, n)
		}
	}
	if r := ts.do("POST", "/v1/access-requests/"+pending.ID+"/approve", ownerToken, nil); r.status != 409 {
		t.Fatalf("approving a request ended with the support access: %d %s", r.status, r.body)
	}
}
