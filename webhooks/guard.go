package webhooks

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// Timeout bounds one delivery: connecting, sending and reading the answer.
const Timeout = 10 * time.Second

// ErrForbiddenAddress says a delivery's connection was refused because
// its address is private, loopback, link-local or otherwise not public.
var ErrForbiddenAddress = errors.New("the address is not a public one")

// forbiddenPrefixes are the ranges beyond what netip's predicates name:
// shared address space (carrier-grade NAT), IETF protocol assignments,
// benchmarking, NAT64 and 6to4, whose addresses can embed private ones,
// and the reserved ranges.
var forbiddenPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2002::/16"),
}

// Forbidden reports whether a delivery may not connect to ip: loopback,
// private (RFC 1918, unique local), link-local (the cloud metadata
// services, 169.254.169.254 and fd00:ec2::254, are among them),
// multicast, unspecified and the reserved ranges.
func Forbidden(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() || !ip.IsValid() {
		return true
	}
	for _, p := range forbiddenPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// guardConnection refuses a connection about to be made to a forbidden
// address. It runs on the address the dialer actually connects to, after
// name resolution and for each address tried, so that a name that
// resolves to a public address first and a private one later (DNS
// rebinding) is refused too.
func guardConnection(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return err
	}
	if Forbidden(ip) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, ip)
	}
	return nil
}

// NewClient returns the HTTP client of deliveries: Timeout for each, no
// proxy (a proxy would connect in its place, past the guard), redirects
// not followed (a redirect is an answer other than 2xx), and, unless
// allowPrivate (WEBHOOK_ALLOW_PRIVATE, for tests and development),
// connections only to public addresses. It keeps up to workers idle
// connections to each endpoint, one for each delivery that may be sent at
// once, so that a busy endpoint's connections are used again rather than
// closed and dialled anew (make bench-webhooks counts them).
func NewClient(allowPrivate bool, workers int) *http.Client {
	dialer := &net.Dialer{Timeout: Timeout}
	if !allowPrivate {
		dialer.Control = guardConnection
	}
	transport := &http.Transport{
		Proxy:               nil,
		DialContext:         dialer.DialContext,
		TLSHandshakeTimeout: Timeout,
		MaxIdleConnsPerHost: max(workers, 1),
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   true,
	}
	return &http.Client{
		Timeout:       Timeout,
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// CheckURL checks an endpoint's URL as it is registered: an absolute
// https URL without credentials; plain http only for a loopback host and
// when allowPrivate (development). Its addresses are checked again at
// each delivery, on the connection made.
func CheckURL(raw string, allowPrivate bool) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "":
		return errors.New("the URL must be absolute, such as https://example.com/webhooks")
	case u.User != nil:
		return errors.New("the URL must not hold credentials")
	case u.Fragment != "":
		return errors.New("the URL must not have a fragment")
	case u.Scheme == "https":
	case u.Scheme == "http" && allowPrivate && isLoopback(u.Hostname()):
	default:
		return errors.New("the URL must use https (plain http only for loopback in development)")
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil && Forbidden(ip) && !allowPrivate {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, ip)
	}
	return nil
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
