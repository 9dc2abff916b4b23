// Package cors lets browser apps on other origins call the API: it answers
// CORS preflight requests and marks responses readable by the origins it
// allows, and by no other.
//
// The API authenticates with bearer tokens, never cookies, so responses
// never allow credentials.
package cors

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Headers of the CORS protocol, as this package answers them.
const (
	allowedMethods = "GET, POST, OPTIONS"
	allowedHeaders = "Authorization, Content-Type, Idempotency-Key, X-API-Key, X-Request-Id"
	exposedHeaders = "X-Request-Id"
	// maxAge is how long, in seconds, a browser may reuse a preflight's
	// answer; Chromium caps it at two hours.
	maxAge = "7200"
)

// DevelopmentOrigins are the origins allowed in development when none are
// configured: apps served from this machine on any port.
const DevelopmentOrigins = "http://localhost:*,http://127.0.0.1:*"

// anyPort ends an origin that allows every port of its host.
const anyPort = ":*"

// Origins is a set of allowed origins. The zero value allows none.
type Origins struct {
	exact map[string]bool
	// anyPort holds scheme://host of the origins written with ":*".
	anyPort map[string]bool
	list    []string
}

// ParseOrigins reads a comma-separated list of origins. Each is exact,
// such as https://app.example.com or http://localhost:3000, or allows
// every port of a host, such as http://localhost:*. The empty list allows
// no origin.
func ParseOrigins(list string) (Origins, error) {
	o := Origins{exact: map[string]bool{}, anyPort: map[string]bool{}}
	for _, entry := range strings.Split(list, ",") {
		entry = strings.ToLower(strings.TrimSpace(entry))
		if entry == "" {
			continue
		}
		if err := checkOrigin(entry); err != nil {
			return Origins{}, err
		}
		if base, ok := strings.CutSuffix(entry, anyPort); ok {
			o.anyPort[base] = true
		} else {
			o.exact[entry] = true
		}
		o.list = append(o.list, entry)
	}
	return o, nil
}

// checkOrigin accepts scheme://host[:port] with scheme http or https, and
// port a number or "*".
func checkOrigin(entry string) error {
	u, err := url.Parse(strings.Replace(entry, anyPort, "", 1))
	switch {
	case entry == "*" || entry == "null":
		return fmt.Errorf("origin %q: list each allowed origin, such as https://app.example.com; %q would allow any page", entry, entry)
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("origin %q must be scheme://host[:port], such as https://app.example.com", entry)
	case u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.Count(entry, "*") > 1:
		return fmt.Errorf("origin %q must be only scheme://host[:port], without a path, query or other wildcard", entry)
	case strings.Contains(entry, "*") && !strings.HasSuffix(entry, anyPort):
		return fmt.Errorf("origin %q: a wildcard may stand only for the port, as in http://localhost:*", entry)
	}
	return nil
}

// String returns the allowed origins, comma-separated.
func (o Origins) String() string { return strings.Join(o.list, ",") }

// Allows reports whether browser pages of origin may read the API's
// responses.
func (o Origins) Allows(origin string) bool {
	origin = strings.ToLower(origin)
	if o.exact[origin] {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	return o.anyPort[u.Scheme+"://"+u.Hostname()]
}

// Handler answers preflight requests itself, before authentication, and
// marks the other responses to allowed origins readable by them.
// Responses to other origins carry no CORS header.
func Handler(o Origins, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		// The answer depends on the Origin: shared caches must keep one
		// per origin.
		h.Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			preflight(w, origin, o.Allows(origin))
			return
		}
		if origin != "" && o.Allows(origin) {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Expose-Headers", exposedHeaders)
		}
		next.ServeHTTP(w, r)
	})
}

// preflight answers a browser that asks whether it may send a request.
func preflight(w http.ResponseWriter, origin string, allowed bool) {
	h := w.Header()
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	if !allowed {
		http.Error(w, "This origin may not call the API; see CORS_ALLOWED_ORIGINS.", http.StatusForbidden)
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Methods", allowedMethods)
	h.Set("Access-Control-Allow-Headers", allowedHeaders)
	h.Set("Access-Control-Max-Age", maxAge)
	w.WriteHeader(http.StatusNoContent)
}
