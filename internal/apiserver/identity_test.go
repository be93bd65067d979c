package apiserver

import (
	"net/url"
	"strings"
	"sync"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// Regression tests for "identities are not exact": two identities that read the same must
// be the same identity, through real HTTP, on every store.

// An e-mail that differs from another only in case is the same address: refused with 409
// on email, on create and on update, while the address is kept as it was given.
func TestIdentity_emailCaseInsensitiveUnique(t *testing.T) {
	ts := newTestServer(t)
	r := ts.do("POST", "/v1/users", ownerToken, api.UserCreate{Email: "OWNER@warden.local"})
	p := requireProblem(t, r, 409, codeNameTaken)
	if p.Field != "email" {
		t.Fatalf("409 names field %q, want email: %+v", p.Field, p)
	}

	var alice api.User
	ts.call("POST", "/v1/users", ownerToken, api.UserCreate{Email: "Alice@Example.com"}, 201, &alice)
	if alice.Email != "Alice@Example.com" {
		t.Fatalf("e-mail stored as %q, want it as given", alice.Email)
	}
	bob, _ := ts.createUser("bob@example.com", "member")
	upper := "ALICE@example.COM"
	p = requireProblem(t, ts.do("PATCH", "/v1/users/"+bob.ID, ownerToken, api.UserUpdate{Email: &upper}), 409, codeNameTaken)
	if p.Field != "email" {
		t.Fatalf("409 on update names field %q, want email", p.Field)
	}
	// A user may change the case of its own address.
	var got api.User
	ts.call("PATCH", "/v1/users/"+alice.ID, ownerToken, api.UserUpdate{Email: &upper}, 200, &got)
	if got.Email != upper {
		t.Fatalf("own e-mail re-cased to %q, want %q", got.Email, upper)
	}
}

// Uniqueness is the store's: of concurrent creates that differ only in case, one wins.
func TestIdentity_emailCaseRace(t *testing.T) {
	ts := newTestServer(t)
	const n = 8
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each spelling differs from the others only in case.
			email := "race@example.com"
			if i > 0 {
				email = strings.ToUpper(email[:i]) + email[i:]
			}
			statuses[i] = ts.do("POST", "/v1/users", ownerToken, api.UserCreate{Email: email}).status
		}()
	}
	wg.Wait()
	created := 0
	for _, s := range statuses {
		switch s {
		case 201:
			created++
		case 409:
		default:
			t.Errorf("status %d, want 201 or 409", s)
		}
	}
	if created != 1 {
		t.Fatalf("%d users created for one address (statuses %v)", created, statuses)
	}
}

// GET /v1/users?email= finds the user whatever the case of the filter, as the warden_user
// data source and the user list resource expect.
func TestIdentity_emailLookupCaseInsensitive(t *testing.T) {
	ts := newTestServer(t)
	var u api.User
	ts.call("POST", "/v1/users", ownerToken, api.UserCreate{Email: "Carol@Example.com"}, 201, &u)
	for _, q := range []string{"carol@example.com", "CAROL@EXAMPLE.COM", "Carol@Example.com"} {
		var l api.List[api.User]
		ts.call("GET", "/v1/users?"+url.Values{"email": {q}}.Encode(), ownerToken, nil, 200, &l)
		if len(l.Items) != 1 || l.Items[0].ID != u.ID || l.Items[0].Email != "Carol@Example.com" {
			t.Errorf("email=%s: %+v", q, l.Items)
		}
	}
	var l api.List[api.User]
	ts.call("GET", "/v1/users?email=OWNER@WARDEN.LOCAL", ownerToken, nil, 200, &l)
	if len(l.Items) != 1 || l.Items[0].Email != BootstrapEmail {
		t.Errorf("bootstrap owner by upper-case e-mail: %+v", l.Items)
	}
}

// Invisible and format characters and C1 controls make one name display as another: a role
// named account_owner followed by a zero-width space looks like the built-in role.
func TestIdentity_invisibleCharactersRefused(t *testing.T) {
	ts := newTestServer(t)
	user, _ := ts.createUser("plain@example.com", "member")
	text := access.CodeInvalidText
	for _, c := range []struct {
		method, path string
		body         any
		field        string
	}{
		{"POST", "/v1/roles", api.RoleCreate{Name: "account_owner\u200b"}, "name"},
		{"POST", "/v1/roles", api.RoleCreate{Name: "account\u2060_owner"}, "name"},
		{"POST", "/v1/roles", api.RoleCreate{Name: "\ufeffdeploy_owner"}, "name"},
		{"POST", "/v1/roles", api.RoleCreate{Name: "r", Description: "hidden\u200bword"}, "description"},
		{"POST", "/v1/environments", api.EnvironmentCreate{Name: "prod\u0085", Cloud: "aws"}, "name"},
		{"POST", "/v1/groups", api.GroupCreate{Name: "sre\u00ad"}, "name"},
		{"POST", "/v1/users", api.UserCreate{Email: "owner\u200b@warden.local"}, "email"},
		{"POST", "/v1/users", api.UserCreate{Email: "c1\u009b@example.com"}, "email"},
		{"POST", "/v1/users", api.UserCreate{Email: "x@example.com", Name: "Ali\u200dce"}, "name"},
		{"POST", "/v1/users/" + user.ID + "/tokens", api.TokenCreate{Name: "ci\u2060"}, "name"},
	} {
		ts.refused(c.method, c.path, c.body, c.field, text, ownerToken)
	}
	var l api.List[api.Role]
	ts.call("GET", "/v1/roles?limit=1000", ownerToken, nil, 200, &l)
	for _, r := range l.Items {
		if strings.HasPrefix(r.Name, "account") && r.Name != "account_owner" {
			t.Errorf("look-alike role stored: %+q", r.Name)
		}
	}
}

// A name spelled in NFD beside the same name in NFC would be two names that read the same:
// a name must be in its canonical form, and the fix names it.
func TestIdentity_nonCanonicalNameRefused(t *testing.T) {
	ts := newTestServer(t)
	nfc := "Équipe nuit"
	nfd := norm.NFD.String(nfc)
	if nfd == nfc {
		t.Fatal("test needs a name whose NFD differs")
	}
	var g api.Group
	ts.call("POST", "/v1/groups", ownerToken, api.GroupCreate{Name: nfc}, 201, &g)
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/v1/groups", api.GroupCreate{Name: nfd}},
		{"POST", "/v1/roles", api.RoleCreate{Name: nfd}},
		{"POST", "/v1/environments", api.EnvironmentCreate{Name: nfd, Cloud: "aws"}},
		{"POST", "/v1/users", api.UserCreate{Email: "d@example.com", Name: nfd}},
	} {
		r := ts.do(c.method, c.path, ownerToken, c.body)
		if r.status != 422 {
			t.Errorf("%s %s NFD name: status %d, want 422; body %s", c.method, c.path, r.status, r.body)
			continue
		}
		p := r.problem(t)
		if p.Field != "name" || p.Code != access.CodeNonCanonicalText || len(p.Findings) == 0 ||
			!strings.Contains(p.Findings[0].Fix, `\u00c9quipe nuit`) {
			t.Errorf("%s %s NFD name: %+v", c.method, c.path, p)
		}
	}
}

// Alert targets go through the same character rule as e-mails: C1 controls, bidi controls
// and invisible characters are refused in webhook URLs and e-mail targets.
func TestIdentity_alertTargetCharacters(t *testing.T) {
	ts := newTestServer(t)
	env := ts.createEnv("alerts", "aws")
	base := "/v1/environments/" + env.ID + "/alert-routing/destinations"
	for _, d := range []api.Destination{
		{Type: "webhook", Target: "https://hooks.example.com/\u0085x", MinSeverity: "warning"},
		{Type: "webhook", Target: "https://hooks.example.com/\u202etxt.exe", MinSeverity: "warning"},
		{Type: "webhook", Target: "https://hooks\u200b.example.com/a", MinSeverity: "warning"},
		{Type: "email", Target: "oncall\u2066@example.com", MinSeverity: "warning"},
		{Type: "email", Target: "oncall\u009b@example.com", MinSeverity: "warning"},
		{Type: "email", Target: "\ufeffoncall@example.com", MinSeverity: "warning"},
	} {
		r := ts.do("POST", base, ownerToken, d)
		if r.status != 422 {
			t.Errorf("%+q: status %d, want 422; body %s", d.Target, r.status, r.body)
			continue
		}
		if p := r.problem(t); p.Field != "target" || p.Code != access.CodeInvalidDestination {
			t.Errorf("%+q: %+v", d.Target, p)
		}
	}
}
