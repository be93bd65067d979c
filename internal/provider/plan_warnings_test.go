package provider

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
)

// warningLog keeps the warnings the provider returns from PlanResourceChange on their way to
// Terraform, which prints them: terraform-plugin-testing hands a test only errors. A step's
// PreConfig resets it, so that its plan checks see the warnings of that step's plans.
type warningLog struct {
	mu    sync.Mutex
	warns []planWarning
}

// planWarning is one warning of one resource type's plan.
type planWarning struct {
	typeName string
	diag     *tfprotov6.Diagnostic
}

func (w planWarning) String() string {
	return fmt.Sprintf("%s at %v: %s: %s", w.typeName, w.diag.Attribute, w.diag.Summary, w.diag.Detail)
}

func (l *warningLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.warns = nil
}

func (l *warningLog) add(typeName string, diags []*tfprotov6.Diagnostic) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityWarning {
			l.warns = append(l.warns, planWarning{typeName, d})
		}
	}
}

func (l *warningLog) all() []planWarning {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]planWarning(nil), l.warns...)
}

// factories serve the provider with its plan warnings copied into l.
func (l *warningLog) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	serve := NewProtocol6Server("test")
	return map[string]func() (tfprotov6.ProviderServer, error){
		"warden": func() (tfprotov6.ProviderServer, error) {
			fs, ok := serve().(frameworkServer)
			if !ok {
				return nil, fmt.Errorf("the provider's server is not the framework's")
			}
			return warningRecorder{frameworkServer: fs, log: l}, nil
		},
	}
}

type warningRecorder struct {
	frameworkServer
	log *warningLog
}

func (w warningRecorder) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	resp, err := w.frameworkServer.PlanResourceChange(ctx, req)
	if resp != nil {
		w.log.add(req.TypeName, resp.Diagnostics)
	}
	return resp, err
}

// atAttr is the path of a top-level attribute, as a diagnostic names it.
func atAttr(name string) *tftypes.AttributePath {
	return tftypes.NewAttributePath().WithAttributeName(name)
}

// expectWarning is a plan check: since the last reset, a plan of typeName warned on at with
// summary and a detail holding each of texts.
func (l *warningLog) expectWarning(typeName string, at *tftypes.AttributePath, summary string, texts ...string) plancheck.PlanCheck {
	return warningCheck{log: l, match: func(w planWarning) bool {
		if w.typeName != typeName || w.diag.Summary != summary || !w.diag.Attribute.Equal(at) {
			return false
		}
		for _, t := range texts {
			if !strings.Contains(strings.Join(strings.Fields(w.diag.Detail), " "), t) {
				return false
			}
		}
		return true
	}, want: true, what: fmt.Sprintf("a %s warning at %v %q containing %q", typeName, at, summary, texts)}
}

// expectNoWarning is a plan check: since the last reset, no plan of typeName warned with any
// of summaries.
func (l *warningLog) expectNoWarning(typeName string, summaries ...string) plancheck.PlanCheck {
	return warningCheck{log: l, match: func(w planWarning) bool {
		for _, s := range summaries {
			if w.typeName == typeName && w.diag.Summary == s {
				return true
			}
		}
		return false
	}, want: false, what: fmt.Sprintf("no %s warning among %q", typeName, summaries)}
}

type warningCheck struct {
	log   *warningLog
	match func(planWarning) bool
	want  bool
	what  string
}

func (c warningCheck) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	warns := c.log.all()
	found := false
	for _, w := range warns {
		found = found || c.match(w)
	}
	if found != c.want {
		lines := make([]string, len(warns))
		for i, w := range warns {
			lines[i] = "- " + w.String()
		}
		resp.Error = fmt.Errorf("want %s; the plan's warnings:\n%s", c.what, strings.Join(lines, "\n"))
	}
}
