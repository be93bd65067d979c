package alerting

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"syscall"
)

// The guard against server-side request forgery: a customer's webhook must not reach what
// only Warden can (its admin port, the metadata service, the private network). It runs at
// configuration (CheckTarget, for a clear error) and on every connection after resolution
// (guardedControl), since a name may resolve elsewhere at delivery (DNS rebinding). The
// vendor URL and the SMTP server are the operator's own, and trusted.

// Resolver looks host names up; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// TargetError refuses a webhook target that is, or resolves to, an address not public.
type TargetError struct {
	Host  string // "" when refused at connection time
	Addr  netip.Addr
	Class string // e.g. "a loopback address"
}

func (e *TargetError) Error() string {
	const why = "webhooks are only delivered to public addresses (unless the server runs with " + FlagAllowPrivate + ")"
	if e.Host == "" || e.Host == e.Addr.String() {
		return fmt.Sprintf("address %s is %s: %s", e.Addr, e.Class, why)
	}
	return fmt.Sprintf("host %q resolves to %s, %s: %s", e.Host, e.Addr, e.Class, why)
}

var (
	metadataV4 = netip.MustParseAddr("169.254.169.254")
	metadataV6 = netip.MustParseAddr("fd00:ec2::254") // AWS's IPv6 metadata endpoint
	// Through a NAT64 gateway 64:ff9b::7f00:1 is 127.0.0.1; some stacks still route the
	// deprecated ::a.b.c.d to the IPv4 address.
	nat64          = netip.MustParsePrefix("64:ff9b::/96")
	ipv4Compatible = netip.MustParsePrefix("::/96")
)

// refused is what netip's predicates do not name.
var refused = []struct {
	prefix netip.Prefix
	class  string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "an unspecified address (this network)"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a shared address (carrier-grade NAT, RFC 6598)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol address (RFC 6890)"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address (RFC 2544)"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address (240.0.0.0/4, broadcast included)"},
	{netip.MustParsePrefix("fec0::/10"), "a site-local address (deprecated, private)"},
}

// addrClass names a's class when webhooks may not reach it, else "". IPv6 forms of an IPv4
// address (mapped, NAT64, compatible) are judged as that address.
func addrClass(a netip.Addr) string {
	a = a.WithZone("").Unmap()
	if a.Is6() && (nat64.Contains(a) || (ipv4Compatible.Contains(a) && !a.IsUnspecified() && !a.IsLoopback())) {
		b := a.As16()
		a = netip.AddrFrom4([4]byte(b[12:]))
	}
	switch {
	case a.IsUnspecified():
		return "an unspecified address"
	case a.IsLoopback():
		return "a loopback address"
	case a == metadataV4 || a == metadataV6:
		return "the cloud metadata service"
	case a.IsLinkLocalUnicast():
		return "a link-local address"
	case a.IsMulticast():
		return "a multicast address"
	case a.IsPrivate():
		return "a private address (RFC 1918, or fc00::/7)"
	}
	for _, r := range refused {
		if r.prefix.Contains(a) {
			return r.class
		}
	}
	return ""
}

func checkAddr(host string, a netip.Addr) error {
	if c := addrClass(a); c != "" {
		return &TargetError{Host: host, Addr: a, Class: c}
	}
	return nil
}

// CheckTarget checks a webhook target as it is configured: an http(s) URL whose host is, or
// resolves only to, public addresses (resolver nil: net.DefaultResolver). allowPrivate
// lifts the address rule, not the URL's form. Errors name the host and the address class,
// never the URL's userinfo or query.
func CheckTarget(ctx context.Context, resolver Resolver, rawURL string, allowPrivate bool) error {
	u, err := url.Parse(rawURL)
	switch {
	case err != nil: // url.Parse's error quotes the whole URL, secrets and all
		return errors.New("the webhook target is not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("the webhook target's scheme %q is not http or https", u.Scheme)
	case u.Hostname() == "":
		return errors.New("the webhook target has no host")
	case allowPrivate:
		return nil
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		return checkAddr(host, a)
	}
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	addrs, err := resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("the webhook target's host %q does not resolve: %w", host, err)
	}
	for _, a := range addrs {
		if err := checkAddr(host, a); err != nil {
			return err
		}
	}
	return nil
}

// guardedControl is a net.Dialer Control: it sees the address dialled, after resolution.
func guardedControl(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("refusing to dial %q: not an IP address and port", address)
	}
	return checkAddr("", ap.Addr())
}
