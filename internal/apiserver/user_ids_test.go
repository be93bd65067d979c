package apiserver

import (
	"strings"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// A client may choose a new user's id (the provider plans it, so that the plan knows it):
// the API keeps an id of the form it makes, refuses any other form with 422 on id, and a
// taken id with 409 on id. The id of a deleted user is free again.
func TestUsers_clientChosenID(t *testing.T) {
	ts := newTestServer(t)
	id := access.UserIDPrefix + strings.Repeat("a2", 13)

	var u api.User
	ts.call("POST", "/v1/users", ownerToken, api.UserCreate{ID: id, Email: "alice@example.com", Kind: "vendor"}, 201, &u)
	if u.ID != id || u.Kind != "vendor" || u.Version != 1 {
		t.Fatalf("created %+v, want id %s", u, id)
	}
	var got api.User
	ts.call("GET", "/v1/users/"+id, ownerToken, nil, 200, &got)
	if got != u {
		t.Errorf("read %+v, want %+v", got, u)
	}

	// The id the API makes is of the accepted form.
	var made api.User
	ts.call("POST", "/v1/users", ownerToken, api.UserCreate{Email: "bob@example.com"}, 201, &made)
	if f := access.ValidateUserID(made.ID); f != nil {
		t.Errorf("the API's own id %q is refused as a chosen one: %v", made.ID, f)
	}

	for _, bad := range []string{
		"alice",
		"usr_" + strings.Repeat("a", 25),          // one short
		"usr_" + strings.Repeat("a", 27),          // one long
		"usr_" + strings.Repeat("A", 26),          // upper case
		"usr_" + strings.Repeat("a", 25) + "1",    // 1 is not base32
		"grp_" + strings.Repeat("a", 26),          // another type's prefix
		"usr_" + strings.Repeat("a", 25) + "\x1b", // a control character
	} {
		ts.refused("POST", "/v1/users", api.UserCreate{ID: bad, Email: "carol@example.com"}, "id", access.CodeInvalidID, ownerToken)
	}

	// Taken, by another e-mail address: 409 on id, and nothing stored.
	r := ts.do("POST", "/v1/users", ownerToken, api.UserCreate{ID: id, Email: "carol@example.com"})
	if r.status != 409 {
		t.Fatalf("taken id: status %d, want 409; body %s", r.status, r.body)
	}
	if p := r.problem(t); p.Field != "id" || p.Code != api.CodeConflict || !strings.Contains(p.Detail, id) {
		t.Errorf("taken id: problem %+v, want field id, code %s, naming the id", p, api.CodeConflict)
	}
	var carol api.List[api.User]
	ts.call("GET", "/v1/users?email=carol@example.com", ownerToken, nil, 200, &carol)
	if len(carol.Items) != 0 {
		t.Errorf("a refused create stored %+v", carol.Items)
	}

	// A retry with the same Idempotency-Key replays the creation rather than colliding with it.
	other := access.UserIDPrefix + strings.Repeat("b3", 13)
	body := api.UserCreate{ID: other, Email: "dave@example.com"}
	var first, replay api.User
	ts.call("POST", "/v1/users", ownerToken, body, 201, &first, "Idempotency-Key", "dave-1")
	ts.call("POST", "/v1/users", ownerToken, body, 201, &replay, "Idempotency-Key", "dave-1")
	if first.ID != other || replay != first {
		t.Errorf("replay %+v, want %+v", replay, first)
	}

	// Deleted, its id is free again.
	ts.call("DELETE", "/v1/users/"+id, ownerToken, nil, 204, nil)
	ts.call("POST", "/v1/users", ownerToken, api.UserCreate{ID: id, Email: "alice@example.com"}, 201, &u)
	if u.ID != id || u.Kind != "member" {
		t.Errorf("re-created %+v", u)
	}
}
