package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/contacts-api/contacts/graph/extensions"
	"github.com/contacts-api/contacts/httpapi/clientaddr"
	"github.com/contacts-api/contacts/httpapi/ratelimit"
)

// maxFailingClients bounds the client networks whose failed
// authentications are counted, some 150 bytes each. Past it, a new
// network's failure is refused as over the limit until buckets fill up
// again: an attacker with many addresses gains no memory, and each of his
// failures still costs him a 429.
const maxFailingClients = 10_000

// authFailures limits the failed authentications of each client network
// (an IPv4 address or an IPv6 /64): past RateLimits.FailedAuthPerMinute
// it answers 429 to API keys before looking them up and to JWTs that
// fail, so that guessing keys or tokens costs the guesser time and the
// server no lookups.
type authFailures struct {
	limiter *ratelimit.Limiter[netip.Prefix] // nil when off
	proxies clientaddr.Proxies
}

func newAuthFailures(perMinute int, proxies clientaddr.Proxies) *authFailures {
	f := &authFailures{proxies: proxies}
	if perMinute > 0 {
		f.limiter = ratelimit.NewBounded[netip.Prefix](perMinute, maxFailingClients)
	}
	return f
}

// client returns the network that r's failures count against.
func (f *authFailures) client(r *http.Request) netip.Prefix {
	return clientaddr.Network(f.proxies.Of(r))
}

// refuse answers 429 and reports true when client has no failure left,
// for a credential whose check would cost a lookup.
func (f *authFailures) refuse(ctx context.Context, w http.ResponseWriter, client netip.Prefix) bool {
	d, over := f.over(client)
	if over {
		writeTooManyFailures(ctx, w, d)
	}
	return over
}

// fail counts a failed authentication of client; it answers 429 and
// reports true when that was one over the limit.
func (f *authFailures) fail(ctx context.Context, w http.ResponseWriter, client netip.Prefix) bool {
	d, over := f.count(client)
	if over {
		writeTooManyFailures(ctx, w, d)
	}
	return over
}

// over reports whether client has no failure left.
func (f *authFailures) over(client netip.Prefix) (ratelimit.Decision, bool) {
	if f.limiter == nil {
		return ratelimit.Decision{}, false
	}
	d := f.limiter.Peek(client, time.Now())
	return d, !d.Allowed
}

// count counts a failed authentication of client, and reports whether
// it was one over the limit.
func (f *authFailures) count(client netip.Prefix) (ratelimit.Decision, bool) {
	if f.limiter == nil {
		return ratelimit.Decision{}, false
	}
	d := f.limiter.Take(client, 1, time.Now())
	return d, !d.Allowed
}

func writeTooManyFailures(ctx context.Context, w http.ResponseWriter, d ratelimit.Decision) {
	w.Header().Set("Retry-After", strconv.Itoa(ratelimit.Seconds(d.RetryAfter)))
	writeGraphQLError(ctx, w, http.StatusTooManyRequests, extensions.RateLimitedError(d, fmt.Sprintf(
		"Too many failed authentications from this address (%d a minute); retry after %d seconds.", d.Limit, ratelimit.Seconds(d.RetryAfter))))
}
