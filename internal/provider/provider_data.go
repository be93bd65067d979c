package provider

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// providerData is what Configure hands to every resource and data source.
type providerData struct {
	Client *client.Client
	// Grants answers grant Reads from one listing per environment per command.
	Grants *grantReader
	// MatrixValidation false turns unknown-name findings into warnings (a newer server may know
	// names this build does not).
	MatrixValidation bool
	// TypeName is the provider's type name, the prefix of every resource type: resources
	// name their own type in the import blocks their errors suggest.
	TypeName string
	// VendorAccessExpiryWarning is how long before its expiry support access draws a plan
	// warning (the provider's vendor_access_expiry_warning); 0 never.
	VendorAccessExpiryWarning time.Duration
	// Plan holds what one resource's plan tells another's within this configuration of the
	// provider: Terraform configures the provider anew for each plan and each apply.
	Plan *planNotes
	// Access previews the access a resource's planned change alters and applies the
	// guardrails (access_preview.go).
	Access *accessGuard
}

// planNotes are what ModifyPlan calls note for one another during one plan: checks that no
// single resource can make, since each sees only its own configuration. Terraform plans a
// resource after those it references, so a note about an environment is there before its
// warden_alert_routing is planned.
type planNotes struct {
	mu sync.Mutex
	// routingCreates are the environments whose routing a warden_alert_routing creates.
	routingCreates map[string]bool
	// newEnvironments counts the environments created, optedOut those of them created with
	// vendor routing off (or not yet known to be on).
	newEnvironments, optedOut int
	// newUsers are the users a warden_user creates, by the id it planned (see user_ids.go):
	// the groups, members and role assignments naming them are planned after them.
	newUsers map[string]api.User
	// applied is set by the first change this configuration of the provider applies: from
	// then on, Terraform's plans of the resources it applies next see objects this apply made,
	// which the plan already previewed and judged, so they preview nothing.
	applied atomic.Bool
}

// changeApplied notes that this configuration of the provider applied a change.
func (n *planNotes) changeApplied() {
	if n != nil {
		n.applied.Store(true)
	}
}

// applying reports whether this configuration of the provider has applied a change.
func (n *planNotes) applying() bool { return n != nil && n.applied.Load() }

func newPlanNotes() *planNotes {
	return &planNotes{routingCreates: map[string]bool{}, newUsers: map[string]api.User{}}
}

// userPlanned notes a user that a warden_user creates with the id it planned.
func (n *planNotes) userPlanned(u api.User) {
	if n == nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.newUsers[u.ID] = u
}

// plannedUser is the user that a warden_user of this plan creates with id, if one does.
func (n *planNotes) plannedUser(id string) (api.User, bool) {
	if n == nil {
		return api.User{}, false
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	u, ok := n.newUsers[id]
	return u, ok
}

// claimRouting notes that a warden_alert_routing creates envID's routing; false when another
// one of this plan already does.
func (n *planNotes) claimRouting(envID string) bool {
	if n == nil {
		return true
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.routingCreates[envID] {
		return false
	}
	n.routingCreates[envID] = true
	return true
}

// environmentCreated notes an environment created with vendor routing on, unless optedOut.
func (n *planNotes) environmentCreated(optedOut bool) {
	if n == nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.newEnvironments++
	if optedOut {
		n.optedOut++
	}
}

// everyNewEnvironmentRoutes reports whether environments are created in this plan and each
// of them with vendor routing on: then a warden_alert_routing opting out of an environment
// created in this plan certainly opts out only after its creation.
func (n *planNotes) everyNewEnvironmentRoutes() bool {
	if n == nil {
		return false
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.newEnvironments > 0 && n.optedOut == 0
}

// resourceData extracts the provider's data in a resource's Configure; nil before the provider
// is configured (e.g. during validation), which callers treat as "no client yet".
func resourceData(req resource.ConfigureRequest, resp *resource.ConfigureResponse) *providerData {
	return castProviderData(req.ProviderData, &resp.Diagnostics)
}

// dataSourceData is resourceData for data sources.
func dataSourceData(req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) *providerData {
	return castProviderData(req.ProviderData, &resp.Diagnostics)
}

// castProviderData serves every kind of object: their Configure requests differ in type but
// carry the same value.
func castProviderData(v any, diags *diag.Diagnostics) *providerData {
	if v == nil {
		return nil
	}
	d, ok := v.(*providerData)
	if !ok {
		diags.AddError("Unexpected Provider Data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", v))
		return nil
	}
	return d
}
