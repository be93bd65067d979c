package apiserver

import (
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// A vendor account is never prepared without whoever decides vendor access: users.admin
// alone neither mints nor revokes a vendor user's token, even while it holds nothing, since
// the token's holder acts with every tier the vendor is given later (standing access).
func TestTokens_vendorTokensNeedClusterAdmin(t *testing.T) {
	ts := newTestServer(t)
	env := ts.createEnv("standing-later", "aws")
	_, admin := ts.userWith("useradmin", "users.admin")
	var vendor api.User
	ts.call("POST", "/v1/users", admin, api.UserCreate{Email: "oncall@vendor.example", Kind: "vendor"}, 201, &vendor)

	p := requireProblem(t, ts.do("POST", "/v1/users/"+vendor.ID+"/tokens", admin, api.TokenCreate{Name: "prepared"}), 403, access.CodeForbidden)
	requireContains(t, p.Detail, "vendor user", "cluster.admin")

	// Had it been minted, standing access would now hand its holder the operator tier.
	no := false
	ts.call("POST", "/v1/environments/"+env.ID+"/support-access", ownerToken,
		api.SupportAccessCreate{Tier: "operator", RequireApproval: &no}, 201, nil)

	// The vendor itself, an owner, and users.admin with cluster.admin may.
	var own api.Token
	ts.call("POST", "/v1/users/"+vendor.ID+"/tokens", ownerToken, api.TokenCreate{Name: "owner"}, 201, &own)
	var self api.Token
	ts.call("POST", "/v1/users/"+vendor.ID+"/tokens", own.Secret, api.TokenCreate{Name: "self"}, 201, &self)
	_, both := ts.userWith("vendoradmin", "users.admin", "cluster.admin")
	var third api.Token
	ts.call("POST", "/v1/users/"+vendor.ID+"/tokens", both, api.TokenCreate{Name: "third"}, 201, &third)

	// Revoking follows the same rule.
	requireProblem(t, ts.do("DELETE", "/v1/users/"+vendor.ID+"/tokens/"+third.ID, admin, nil), 403, access.CodeForbidden)
	ts.call("DELETE", "/v1/users/"+vendor.ID+"/tokens/"+third.ID, both, nil, 204, nil)
	ts.call("DELETE", "/v1/users/"+vendor.ID+"/tokens/"+self.ID, own.Secret, nil, 204, nil)

	// A member's tokens stay users.admin's.
	member, _ := ts.createUser("member@example.com", "member")
	ts.call("POST", "/v1/users/"+member.ID+"/tokens", admin, api.TokenCreate{Name: "member"}, 201, nil)
}

// A token minted with a token expires no later than the minting token, whoever it is for:
// an hour's token buys no everlasting one.
func TestTokens_mintedTokenOutlivesNoMinter(t *testing.T) {
	ts := newTestServer(t)
	owner := ts.ownerID()
	u, _ := ts.createUser("ci@example.com", "member")
	hour := ts.clock.Now().Add(time.Hour)
	var short api.Token
	ts.call("POST", "/v1/users/"+u.ID+"/tokens", ownerToken, api.TokenCreate{Name: "ci", ExpiresAt: &hour}, 201, &short)

	for _, body := range []api.TokenCreate{
		{Name: "forever"},
		{Name: "later", ExpiresAt: timePtr(hour.Add(time.Second))},
	} {
		p := requireProblem(t, ts.do("POST", "/v1/users/"+u.ID+"/tokens", short.Secret, body), 422, access.CodeTokenOutlivesMinter)
		if p.Field != "expires_at" {
			t.Errorf("%s: field %q, want expires_at", body.Name, p.Field)
		}
		requireContains(t, p.Detail, hour.UTC().Format(time.RFC3339))
	}
	// Up to the minting token's own expiry is fine.
	var child api.Token
	ts.call("POST", "/v1/users/"+u.ID+"/tokens", short.Secret, api.TokenCreate{Name: "same", ExpiresAt: &hour}, 201, &child)
	sooner := hour.Add(-time.Minute)
	ts.call("POST", "/v1/users/"+u.ID+"/tokens", short.Secret, api.TokenCreate{Name: "sooner", ExpiresAt: &sooner}, 201, nil)

	// An owner's short-lived token is bound the same way when it mints for someone else.
	var ownerShort api.Token
	ts.call("POST", "/v1/users/"+owner+"/tokens", ownerToken, api.TokenCreate{Name: "short", ExpiresAt: &hour}, 201, &ownerShort)
	requireProblem(t, ts.do("POST", "/v1/users/"+u.ID+"/tokens", ownerShort.Secret, api.TokenCreate{Name: "x"}), 422, access.CodeTokenOutlivesMinter)
	// A token without expiry mints any.
	ts.call("POST", "/v1/users/"+u.ID+"/tokens", ownerToken, api.TokenCreate{Name: "forever"}, 201, nil)
	if len(ts.deniedEvents(ownerToken)) < 3 {
		t.Error("the refused mints are not audited")
	}
}
