package provider

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

type payloadKey struct{}

// callsFreeing makes calls CallFunction RPCs through s, each with a context carrying a 64 KiB
// payload, and reports how many payloads the garbage collector frees afterwards: an RPC
// context that stays reachable keeps its payload.
func callsFreeing(t *testing.T, s tfprotov6.ProviderServer, calls int) int {
	t.Helper()
	arg, err := tfprotov6.NewDynamicValue(tftypes.String, tftypes.NewValue(tftypes.String, "apps.deploy"))
	if err != nil {
		t.Fatal(err)
	}
	var freed atomic.Int64
	for range calls {
		payload := new([64 << 10]byte)
		runtime.AddCleanup(payload, func(n *atomic.Int64) { n.Add(1) }, &freed)
		ctx, cancel := context.WithCancel(context.WithValue(context.Background(), payloadKey{}, payload))
		resp, err := s.CallFunction(ctx, &tfprotov6.CallFunctionRequest{Name: "permissions_for", Arguments: []*tfprotov6.DynamicValue{&arg}})
		cancel() // gRPC cancels an RPC's context when it ends
		if err != nil || resp.Error != nil {
			t.Fatalf("CallFunction: %v %v", err, resp.Error)
		}
	}
	// Cleanups run after a collection, on their own goroutine: collect until they are done,
	// or until it is clear that the rest stay reachable.
	for deadline := time.Now().Add(5 * time.Second); freed.Load() < int64(calls) && time.Now().Before(deadline); {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	runtime.KeepAlive(s) // a provider's server lives as long as its process
	return int(freed.Load())
}

// The framework's server keeps every RPC's cancel function, and with it the RPC's context,
// until StopProvider; NewProtocol6Server's must leave nothing of an RPC's context reachable
// once the RPC has returned, or a provider's heap grows with every object a command touches.
func TestServer_releasesRPCContexts(t *testing.T) {
	t.Parallel()
	const calls = 40
	if freed := callsFreeing(t, NewProtocol6Server("test")(), calls); freed != calls {
		t.Errorf("NewProtocol6Server: %d of %d RPC contexts freed after their RPCs returned", freed, calls)
	}
	// What the wrapper is for: the framework's own server keeps them (if this ever frees them
	// all, a newer framework has fixed it and NewProtocol6Server's wrapping can go).
	freed := callsFreeing(t, providerserver.NewProtocol6(New("test")())(), calls)
	t.Logf("the framework's server alone: %d of %d RPC contexts freed", freed, calls)
}
