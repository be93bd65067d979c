package bench

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSelectCases(t *testing.T) {
	names := func(cs []planApplyCase) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.name)
		}
		return out
	}
	every := names(planApplyCases)
	for _, tc := range []struct {
		spec string
		want []string
	}{
		{"", every},
		{"all", every},
		{"matrix-1k-20ms, matrix-1k", []string{"matrix-1k", "matrix-1k-20ms"}},
		{"-matrix-10k", []string{"one-env-1k", "one-env-1k-20ms", "matrix-1k", "matrix-1k-20ms"}},
		{"all,-matrix-10k,-one-env-1k-20ms", []string{"one-env-1k", "matrix-1k", "matrix-1k-20ms"}},
		{"matrix-1k,-matrix-1k,matrix-10k", []string{"matrix-10k"}},
	} {
		got, err := selectCases(tc.spec)
		if err != nil {
			t.Errorf("selectCases(%q): %v", tc.spec, err)
			continue
		}
		if !slices.Equal(names(got), tc.want) {
			t.Errorf("selectCases(%q) = %v, want %v", tc.spec, names(got), tc.want)
		}
	}
	for _, spec := range []string{"matrix-2k", "-nope", "matrix-1k,-matrix-1k"} {
		if _, err := selectCases(spec); err == nil {
			t.Errorf("selectCases(%q): no error", spec)
		}
	}
}

func TestPlanApplyCases_shapes(t *testing.T) {
	// Objects and grants. The issue counts 100 × 100 as 10,100 objects; with its 100
	// environments and 100 roles it is 10,200.
	want := map[string][2]int{
		"one-env-1k": {2001, 1000},
		"matrix-1k":  {1110, 1000},
		"matrix-10k": {10200, 10000},
	}
	for _, c := range planApplyCases {
		if w, ok := want[c.name]; ok && (c.objects() != w[0] || c.grants() != w[1]) {
			t.Errorf("%s: %d objects, %d grants; want %d, %d", c.name, c.objects(), c.grants(), w[0], w[1])
		}
		if c.latency > 0 && !slices.ContainsFunc(planApplyCases, func(z planApplyCase) bool {
			return z.name == c.zeroLatency && z.latency == 0 && z.floorKey() == c.floorKey()
		}) {
			t.Errorf("%s: its zero-latency reference %q is not the same shape without latency", c.name, c.zeroLatency)
		}
	}
}

func TestPlanApplyTable_targets(t *testing.T) {
	res := func(name string, plan, apply, floorPlan, floorApply time.Duration, peakMiB int64) planApplyResult {
		for _, c := range planApplyCases {
			if c.name == name {
				return planApplyResult{planApplyCase: c, provider: timing{apply, plan}, floor: timing{floorApply, floorPlan}, peakKiB: peakMiB * 1024}
			}
		}
		t.Fatalf("no case %s", name)
		return planApplyResult{}
	}
	out := planApplyTable([]planApplyResult{
		res("matrix-1k", 10*time.Second, 20*time.Second, 4*time.Second, 19*time.Second, 60),
		res("matrix-1k-20ms", 14*time.Second, 30*time.Second, 4*time.Second, 19*time.Second, 61),
	}, "test")
	for _, want := range []string{
		"| matrix-1k | 1,110 | 0 | 10.0 s | 4.0 s | 2.50× | 20.0 s | 19.0 s | 1.05× | – | 60 |",
		"| matrix-1k-20ms | 1,110 | 20 ms | 14.0 s | 4.0 s | 3.50× | 30.0 s | 19.0 s | 1.58× | 1.40× | 61 |",
		"matrix-1k plan ÷ floor plan ≤ 2×: 2.50× — NOT met",
		"matrix-1k apply ÷ floor apply ≤ 1.1×: 1.05× — met",
		"matrix-1k provider peak RSS ≤ 100 MiB: 60 MiB — met",
		"matrix-1k-20ms plan ÷ matrix-1k plan ≤ 1.5×: 1.40× — met",
		"matrix-10k plan ÷ matrix-1k plan ≤ 11×: not measured",
		"one-env-1k-20ms plan ÷ one-env-1k plan ≤ 1.5×: not measured",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
