package provider

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// NewProtocol6Server serves the provider over plugin protocol 6: the framework's server, with
// each per-object RPC given a context that lets go of the RPC's own when the call returns.
//
// Why: the framework's server derives a cancelable context from every RPC's and keeps its
// cancel function until StopProvider, which Terraform sends only to interrupt a run. That
// function holds the RPC's whole context chain (gRPC's stream state, the SDK's logging
// contexts, request metadata): about 12 KiB per RPC that the garbage collector may never
// free, so a provider process's live heap grew with every object a command touched (a plan
// of 1,110 objects is some 4,400 RPCs; a heap profile of a minimal framework provider shows
// the same growth). Handing the framework a context whose link to the RPC's is cut when the
// call returns leaves it holding a few hundred bytes per RPC instead.
//
// Streaming RPCs (ListResource, InvokeAction, the state store's byte streams) and the
// once-per-command ones pass through unchanged: a stream is consumed after its RPC method
// returns, and the provider's Configure may keep its context.
func NewProtocol6Server(version string) func() tfprotov6.ProviderServer {
	framework := providerserver.NewProtocol6(New(version)())
	return func() tfprotov6.ProviderServer {
		fs := framework()
		if all, ok := fs.(frameworkServer); ok {
			return &server{frameworkServer: all}
		}
		return fs // a framework without list resources or actions: served as it is
	}
}

// NewProtocol6ServerWithError is NewProtocol6Server for terraform-plugin-testing's factories.
func NewProtocol6ServerWithError(version string) func() (tfprotov6.ProviderServer, error) {
	serve := NewProtocol6Server(version)
	return func() (tfprotov6.ProviderServer, error) { return serve(), nil }
}

// frameworkServer is what the framework's server implements and this provider uses: list
// resources and actions beside the base protocol (no state stores).
type frameworkServer interface {
	tfprotov6.ProviderServer
	tfprotov6.ListResourceServer
	tfprotov6.ActionServer
}

type server struct {
	frameworkServer
}

var _ frameworkServer = (*server)(nil)

// unary calls f with a releasable context for ctx, cut loose when f returns.
func unary[Req, Resp any](ctx context.Context, req Req, f func(context.Context, Req) (Resp, error)) (Resp, error) {
	rc := newRPCContext(ctx)
	defer rc.release()
	return f(rc, req)
}

func (s *server) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return unary(ctx, req, s.frameworkServer.ValidateResourceConfig)
}

func (s *server) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return unary(ctx, req, s.frameworkServer.UpgradeResourceState)
}

func (s *server) UpgradeResourceIdentity(ctx context.Context, req *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return unary(ctx, req, s.frameworkServer.UpgradeResourceIdentity)
}

func (s *server) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return unary(ctx, req, s.frameworkServer.ReadResource)
}

func (s *server) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	return unary(ctx, req, s.frameworkServer.PlanResourceChange)
}

func (s *server) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return unary(ctx, req, s.frameworkServer.ApplyResourceChange)
}

func (s *server) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return unary(ctx, req, s.frameworkServer.ImportResourceState)
}

func (s *server) MoveResourceState(ctx context.Context, req *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return unary(ctx, req, s.frameworkServer.MoveResourceState)
}

func (s *server) GenerateResourceConfig(ctx context.Context, req *tfprotov6.GenerateResourceConfigRequest) (*tfprotov6.GenerateResourceConfigResponse, error) {
	return unary(ctx, req, s.frameworkServer.GenerateResourceConfig)
}

func (s *server) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return unary(ctx, req, s.frameworkServer.ValidateDataResourceConfig)
}

func (s *server) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return unary(ctx, req, s.frameworkServer.ReadDataSource)
}

func (s *server) CallFunction(ctx context.Context, req *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	return unary(ctx, req, s.frameworkServer.CallFunction)
}

func (s *server) ValidateEphemeralResourceConfig(ctx context.Context, req *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	return unary(ctx, req, s.frameworkServer.ValidateEphemeralResourceConfig)
}

func (s *server) OpenEphemeralResource(ctx context.Context, req *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	return unary(ctx, req, s.frameworkServer.OpenEphemeralResource)
}

func (s *server) RenewEphemeralResource(ctx context.Context, req *tfprotov6.RenewEphemeralResourceRequest) (*tfprotov6.RenewEphemeralResourceResponse, error) {
	return unary(ctx, req, s.frameworkServer.RenewEphemeralResource)
}

func (s *server) CloseEphemeralResource(ctx context.Context, req *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	return unary(ctx, req, s.frameworkServer.CloseEphemeralResource)
}

func (s *server) ValidateListResourceConfig(ctx context.Context, req *tfprotov6.ValidateListResourceConfigRequest) (*tfprotov6.ValidateListResourceConfigResponse, error) {
	return unary(ctx, req, s.frameworkServer.ValidateListResourceConfig)
}

func (s *server) ValidateActionConfig(ctx context.Context, req *tfprotov6.ValidateActionConfigRequest) (*tfprotov6.ValidateActionConfigResponse, error) {
	return unary(ctx, req, s.frameworkServer.ValidateActionConfig)
}

func (s *server) PlanAction(ctx context.Context, req *tfprotov6.PlanActionRequest) (*tfprotov6.PlanActionResponse, error) {
	return unary(ctx, req, s.frameworkServer.PlanAction)
}

// rpcContext is an RPC's context until release, then a canceled context with no values. It
// keeps only the RPC context's Done channel (closed by gRPC when the RPC ends) after that.
// The standard library treats it as the RPC's own cancelable context while it is live (Value
// answers for it), so contexts derived from it are canceled with the RPC, without a goroutine.
type rpcContext struct {
	live atomic.Pointer[context.Context]
	done <-chan struct{}
}

func newRPCContext(ctx context.Context) *rpcContext {
	rc := &rpcContext{done: ctx.Done()}
	rc.live.Store(&ctx)
	return rc
}

func (c *rpcContext) release() { c.live.Store(nil) }

func (c *rpcContext) Deadline() (time.Time, bool) {
	if p := c.live.Load(); p != nil {
		return (*p).Deadline()
	}
	return time.Time{}, false
}

func (c *rpcContext) Done() <-chan struct{} { return c.done }

func (c *rpcContext) Err() error {
	if p := c.live.Load(); p != nil {
		return (*p).Err()
	}
	return context.Canceled
}

func (c *rpcContext) Value(key any) any {
	if p := c.live.Load(); p != nil {
		return (*p).Value(key)
	}
	return nil
}
