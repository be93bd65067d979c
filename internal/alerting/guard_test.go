package alerting

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// fakeResolver answers from a table; a name not in it does not resolve.
type fakeResolver map[string][]string

func (r fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	addrs, ok := r[host]
	if !ok {
		return nil, errors.New("no such host")
	}
	out := make([]netip.Addr, len(addrs))
	for i, a := range addrs {
		out[i] = netip.MustParseAddr(a)
	}
	return out, nil
}

func TestCheckTarget(t *testing.T) {
	t.Parallel()
	resolver := fakeResolver{
		"hooks.example.com":    {"93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"},
		"rebind.example.com":   {"127.0.0.1"},
		"half.example.com":     {"93.184.215.14", "10.1.2.3"},
		"metadata.example.com": {"169.254.169.254"},
	}
	for _, tc := range []struct {
		url   string
		class string // "" accepted; else a part of the error
	}{
		{"https://hooks.example.com/warden", ""},
		{"https://93.184.215.14/hook", ""},
		{"https://[2606:4700::1111]/hook", ""},
		{"http://127.0.0.1:8080/", "a loopback address"},
		{"http://127.8.9.10/", "a loopback address"},
		{"http://[::1]/", "a loopback address"},
		{"http://[::ffff:127.0.0.1]/", "a loopback address"},
		{"http://0.0.0.0/", "an unspecified address"},
		{"http://[::]/", "an unspecified address"},
		{"http://0.1.2.3/", "this network"},
		{"http://169.254.169.254/latest/meta-data/", "the cloud metadata service"},
		{"http://[::ffff:169.254.169.254]/", "the cloud metadata service"},
		{"http://[fd00:ec2::254]/", "the cloud metadata service"},
		{"http://169.254.1.1/", "a link-local address"},
		{"http://[fe80::1%25eth0]/", "a link-local address"},
		{"http://10.0.0.1/", "a private address"},
		{"http://172.16.5.4/", "a private address"},
		{"http://172.31.255.255/", "a private address"},
		{"http://192.168.1.1/", "a private address"},
		{"http://[::ffff:192.168.1.1]/", "a private address"},
		{"http://[fc00::1]/", "a private address"},
		{"http://[fd12:3456::1]/", "a private address"},
		{"http://100.64.0.1/", "carrier-grade NAT"},
		{"http://100.127.255.254/", "carrier-grade NAT"},
		{"http://224.0.0.1/", "a multicast address"},
		{"http://[ff02::1]/", "a multicast address"},
		{"http://255.255.255.255/", "a reserved address"},
		{"http://[64:ff9b::7f00:1]/", "a loopback address"},
		{"http://[::10.0.0.1]/", "a private address"},
		{"https://rebind.example.com/hook", `host "rebind.example.com" resolves to 127.0.0.1, a loopback address`},
		{"https://half.example.com/hook", "resolves to 10.1.2.3, a private address"},
		{"https://metadata.example.com/", "the cloud metadata service"},
		{"https://unknown.example.com/", "does not resolve"},
		{"ftp://hooks.example.com/", `scheme "ftp" is not http or https`},
		{"https:///path", "has no host"},
	} {
		err := CheckTarget(t.Context(), resolver, tc.url, false)
		switch {
		case tc.class == "" && err != nil:
			t.Errorf("CheckTarget(%s) = %v; want accepted", tc.url, err)
		case tc.class != "" && (err == nil || !strings.Contains(err.Error(), tc.class)):
			t.Errorf("CheckTarget(%s) = %v; want an error naming %q", tc.url, err, tc.class)
		}
	}
}

// allowPrivate lifts the address rule, not the URL's form; errors never quote the URL's
// secrets.
func TestCheckTarget_allowPrivateAndSecrets(t *testing.T) {
	t.Parallel()
	if err := CheckTarget(t.Context(), fakeResolver{}, "http://127.0.0.1:9000/hook", true); err != nil {
		t.Errorf("allowPrivate refused loopback: %v", err)
	}
	if err := CheckTarget(t.Context(), fakeResolver{}, "gopher://127.0.0.1/", true); err == nil {
		t.Error("allowPrivate accepted a gopher:// target")
	}
	for _, u := range []string{"http://user:pw-s3cret@10.0.0.1/?key=q-s3cret", "http://user:pw-s3cret@bad host/?key=q-s3cret", "https://x.example.com/%zz?key=q-s3cret"} {
		err := CheckTarget(t.Context(), fakeResolver{}, u, false)
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("CheckTarget(%s) = %v; want an error without the URL's secrets", u, err)
		}
	}
	var te *TargetError
	if err := CheckTarget(t.Context(), fakeResolver{}, "http://10.0.0.1/", false); !errors.As(err, &te) || te.Addr != netip.MustParseAddr("10.0.0.1") {
		t.Errorf("the refusal %v is not a *TargetError naming 10.0.0.1", err)
	}
}
