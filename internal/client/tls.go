package client

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// CertPoolFromPEM returns the system's trusted roots plus every certificate in pemBytes: a
// private CA (or a self-signed server certificate) to trust beside the public ones. Every
// PEM block must be a parsable CERTIFICATE, and there must be at least one; anything else is
// an error saying what was found, so that a truncated or mis-pasted file never silently
// trusts less than intended.
func CertPoolFromPEM(pemBytes []byte) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	rest := pemBytes
	n := 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		n++
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block %d is a %q, not a CERTIFICATE (is this a private key?)", n, block.Type)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d is not a valid certificate: %w", n, err)
		}
		pool.AddCert(cert)
	}
	// Text around the blocks is allowed (bundles carry comments), but a BEGIN line that did
	// not decode is a truncated or damaged block.
	if strings.Contains(string(rest), "-----BEGIN") {
		return nil, fmt.Errorf("PEM block %d is incomplete or damaged (no matching -----END line?)", n+1)
	}
	if n == 0 {
		return nil, errors.New("no PEM certificate found: expected -----BEGIN CERTIFICATE-----")
	}
	return pool, nil
}
