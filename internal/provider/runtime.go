package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
)

// The provider process's runtime settings, applied by main before serving. Terraform starts a
// provider process per command (and per phase), and each one answers an RPC per resource:
// costs that are invisible for ten resources dominate a plan of ten thousand.

// logEnv are the variables by which a user asks for provider or SDK logs. When none is set,
// nobody reads the logs: Terraform discards them unless TF_LOG asks for them.
var logEnv = []string{"TF_LOG", "TF_LOG_PATH", "TF_LOG_PROVIDER", "TF_LOG_PROVIDER_WARDEN",
	"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"}

// sdkLogs are the SDK's and the provider's own loggers. Unset, each defaults to TRACE and
// encodes every RPC's log lines to JSON for Terraform to decode and drop.
var sdkLogs = []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER"}

// memoryLimit bounds the heap softly: the garbage collector works harder near it instead of
// letting the heap grow with the number of resources a plan refreshes.
const memoryLimit = 96 << 20

// TuneRuntime turns off the logs nobody asked for (TF_LOG, TF_LOG_PROVIDER and TF_LOG_SDK*
// still give full logs when set) and sets a soft memory limit (unless GOMEMLIMIT is set).
func TuneRuntime() {
	asked := false
	for _, v := range logEnv {
		if os.Getenv(v) != "" {
			asked = true
		}
	}
	if !asked {
		for _, v := range sdkLogs {
			_ = os.Setenv(v, "off")
		}
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}

// ProfileEnv names a directory: each provider process then writes cpu-<pid>.pprof for its
// whole life and heap-<pid>.pprof when it stops (make profile).
const ProfileEnv = "WARDEN_PROVIDER_CPUPROFILE"

// StartProfiles starts the CPU profile ProfileEnv asks for; the returned function stops it
// and writes the heap profile. Without ProfileEnv both do nothing.
func StartProfiles() (stop func()) {
	dir := os.Getenv(ProfileEnv)
	if dir == "" {
		return func() {}
	}
	name := func(kind string) string { return filepath.Join(dir, fmt.Sprintf("%s-%d.pprof", kind, os.Getpid())) }
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		return func() {}
	}
	cpu, err := os.Create(name("cpu"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		_ = cpu.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		_ = cpu.Close()
		heap, err := os.Create(name("heap"))
		if err != nil {
			return
		}
		defer func() { _ = heap.Close() }()
		runtime.GC() // the in-use figures then show what outlives every request
		_ = pprof.Lookup("allocs").WriteTo(heap, 0)
	}
}
