package provider

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

func items(actions ...string) []api.AccessChangeItem {
	out := make([]api.AccessChangeItem, len(actions))
	for i, a := range actions {
		out[i] = api.AccessChangeItem{Action: a}
	}
	return out
}

func TestPreviewWarning_groupsUsersAndBoundsLists(t *testing.T) {
	var users []api.UserAccessChange
	for i := range 7 {
		users = append(users, api.UserAccessChange{UserID: fmt.Sprint("u", i), Email: fmt.Sprintf("u%d@example.com", i),
			Gained: items("apps.deploy", "apps.scale")})
	}
	users = append(users, api.UserAccessChange{UserID: "dan", Email: "dan@example.com",
		Gained: items("apps.deploy"), Lost: items("a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8")})
	p := &api.AccessPreview{
		Environments: []api.EnvironmentAccessChange{{EnvironmentName: "production", Users: users}},
		Platform: []api.PlatformAccessChange{{UserID: "dan", Email: "dan@example.com",
			Gained: []api.PlatformChangeItem{{Permission: "cluster.admin"}}}},
	}
	summary, detail, ok := previewWarning(p)
	if !ok || summary != "Access Change: 8 users gain, 1 user loses" {
		t.Errorf("summary %q (%v)", summary, ok)
	}
	want := "In production, this change gives 7 users apps.deploy and apps.scale: u0@example.com, u1@example.com, u2@example.com, " +
		"u3@example.com, u4@example.com (and 2 more); gives 1 user apps.deploy: dan@example.com; " +
		"removes a1, a2, a3, a4, a5, a6 (and 2 more) from 1 user: dan@example.com. " +
		"Outside any environment (platform permissions), this change gives 1 user cluster.admin: dan@example.com."
	if detail != want {
		t.Errorf("detail\n got %s\nwant %s", detail, want)
	}
	if _, _, ok := previewWarning(&api.AccessPreview{}); ok {
		t.Error("an empty preview warns")
	}
}

func TestProtectedGains(t *testing.T) {
	p := &api.AccessPreview{
		Environments: []api.EnvironmentAccessChange{
			{EnvironmentName: "staging", Users: []api.UserAccessChange{{Email: "a@example.com", Gained: items("databases.read_credentials")}}},
			{EnvironmentName: "production", Users: []api.UserAccessChange{
				{Email: "b@example.com", Gained: items("databases.read_credentials", "apps.deploy")},
				{Email: "a@example.com", Gained: items("databases.read_credentials"), Lost: items("apps.ssh")},
			}},
		},
		Platform: []api.PlatformAccessChange{{Email: "c@example.com", Gained: []api.PlatformChangeItem{{Permission: "cluster.admin"}}}},
	}
	protected := []string{"apps.ssh", "cluster.admin", "databases.read_credentials"}
	got := protectedGains(p, protected, map[string]bool{"production": true}, nil)
	want := []protectedGain{
		{Name: "cluster.admin", Where: "", Emails: []string{"c@example.com"}},
		{Name: "databases.read_credentials", Where: "production", Emails: []string{"a@example.com", "b@example.com"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if got := protectedGains(p, protected, nil, []string{"cluster.admin", "databases.read_credentials"}); len(got) != 0 {
		t.Errorf("acknowledged: %+v", got)
	}
	if got := protectedGains(p, protected, nil, nil); len(got) != 3 {
		t.Errorf("every environment protected: %+v", got)
	}
	d := guardDetail(want)
	for _, s := range []string{"cluster.admin (a platform permission) to 1 user: c@example.com",
		"databases.read_credentials in production to 2 users: a@example.com and b@example.com",
		`acknowledge_new_access = ["cluster.admin", "databases.read_credentials"]`} {
		if !strings.Contains(d, s) {
			t.Errorf("detail %q lacks %q", d, s)
		}
	}
}
