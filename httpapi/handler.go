// Package httpapi is the service's HTTP layer: the handler, its
// middleware as one ordered chain, the body reader and its budget, the
// credentials, the request log, Idempotency-Key, the transports that run
// GraphQL operations, CORS and the playground. gqlgen's extensions are in
// graph/extensions; the resolvers and their glue in graph.
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/graph/extensions"
	"github.com/contacts-api/contacts/graph/loaders"
	"github.com/contacts-api/contacts/graph/request"
	"github.com/contacts-api/contacts/httpapi/clientaddr"
	"github.com/contacts-api/contacts/httpapi/cors"
	"github.com/contacts-api/contacts/httpapi/playground"
	"github.com/contacts-api/contacts/live"
	"github.com/contacts-api/contacts/metrics"
	"github.com/contacts-api/contacts/service"
)

// Options configure the HTTP handler.
type Options struct {
	Service  *service.Service
	Verifier *auth.Verifier
	// Limits bound what one request may ask; zero fields take
	// DefaultLimits.
	Limits Limits
	// RateLimits bound each workspace's requests and cost per minute in
	// this process, and each client's failed authentications; the zero
	// value is off.
	RateLimits RateLimits
	// TrustedProxies are the proxies whose X-Forwarded-For names the
	// client whose failed authentications are counted; none by default.
	TrustedProxies clientaddr.Proxies
	// DisableIntrospection refuses __schema and __type and drops the
	// "Did you mean" suggestions from errors, for production.
	DisableIntrospection bool
	// Playground serves GraphiQL at GET /; without it, / is not found.
	Playground bool
	// PlaygroundToken, when set, is filled into the playground's
	// Authorization header: for development only.
	PlaygroundToken string
	// AllowedOrigins are the origins whose browser pages may call the
	// API (CORS); the zero value allows none.
	AllowedOrigins cors.Origins
	// Metrics count the requests; nil makes a registry of the handler's
	// own, without the database pool's gauges. The handler does not serve
	// them: they tell of every workspace, so the server serves them on a
	// listener of their own.
	Metrics *metrics.Metrics
	// Live serves subscriptions over WebSocket; nil serves none.
	Live *live.Hub
	// Plain serves requests without the fast path (graph/fastpath:
	// render and projection): gqlgen resolves every field and the loaders fetch
	// whole records. For the tests that compare the two.
	Plain bool
}

// playgroundQuery is the document the playground opens with: a page of
// contacts with what they are linked to.
const playgroundQuery = `# Contacts with their account, phones and portal role.
# Run it with the ▶ button to the right, or Ctrl-Enter.
{
  contacts(first: 20) {
    nodes {
      id
      name
      email
      account { name }
      phones { number type }
      portalRole { slug }
    }
  }
}
`

// NewHandler returns the service's HTTP handler: the GraphQL endpoint, the
// playground and the health checks, behind CORS, with a log line for each
// request, counted in opts.Metrics.
func NewHandler(opts Options) http.Handler {
	m := opts.Metrics
	if m == nil {
		m = metrics.New(nil)
	}
	opts.Limits = opts.Limits.withDefaults()
	layer := graph.NewLayer(opts.Service)
	layer.ServeLive(opts.Live)
	bodies := newBodyReader(opts.Limits, layer.Schema().Schema())
	failures := newAuthFailures(opts.RateLimits.FailedAuthPerMinute, opts.TrustedProxies)
	turns := newTurns(opts.Limits.MaxConcurrentOperations)
	m.ObserveWaiting(turns.Waiting)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", readyz(opts.Service))
	if opts.Playground {
		playground.Mount(mux, playground.Config{
			Title: "Contacts API", Endpoint: "/graphql",
			Token: opts.PlaygroundToken, DefaultQuery: playgroundQuery,
		})
	}
	// /graphql, in this order. Nothing reads a body before the caller is
	// known: an anonymous client costs a look at its headers.
	graphQL := newGraphQLServer(opts, layer, newWebSocketTransport(opts, failures), turns)
	// Subscriptions' events need no loader, but the fast path wants them.
	webSockets := serveWebSockets(opts, failures, withLoaders(opts.Service.Reads(), m.ObserveBatch)(graphQL))
	requests := chain(graphQL,
		checkRequest,                   // GET or POST of JSON, or 405 and 415
		authenticate(opts, failures),   // a credential, or 401 (429 past failed ones)
		limitRequests(opts.RateLimits), // the workspace's requests a minute, or 429
		bodies.read,                    // the body within its limits and the budget
		turns.take,                     // DATABASE_POOL_SIZE requests at once, the others in turn
		idempotent(opts.Service),       // Idempotency-Key: run once, replay after
		withLoaders(opts.Service.Reads(), m.ObserveBatch), // the request's loaders
	)
	// A WebSocket authenticates in its connection_init (websocket.go).
	mux.HandleFunc("/graphql", func(w http.ResponseWriter, r *http.Request) {
		if isWebSocket(r) {
			webSockets.ServeHTTP(w, r)
			return
		}
		requests.ServeHTTP(w, r)
	})
	// Every request, outermost first.
	return chain(mux,
		withRequestID,                     // X-Request-Id
		observeRequests(m),                // the request's record, its log line and metrics
		recoverPanics,                     // INTERNAL for a panic outside GraphQL
		allowOrigins(opts.AllowedOrigins), // CORS
	)
}

// chain returns h behind middleware, the first outermost.
func chain(h http.Handler, middleware ...func(http.Handler) http.Handler) http.Handler {
	for _, mw := range slices.Backward(middleware) {
		h = mw(h)
	}
	return h
}

// newGraphQLServer returns gqlgen's server of layer, with its extensions
// in the order they run: operation parameters are mutated in the order
// of the list, then operation contexts (strict variables, query shape,
// input checks, the cost budget), then operations are intercepted
// (recorder, turns, admission, scopes), and root fields.
func newGraphQLServer(opts Options, layer *graph.Layer, webSocket transport.Websocket, turns *turns) http.Handler {
	srv := handler.New(layer.Schema())
	srv.AddTransport(webSocket) // before GET's, which would take the upgrade
	srv.AddTransport(getTransport{})
	srv.AddTransport(postTransport{})
	documents := lru.New[*ast.QueryDocument](1000)
	srv.SetQueryCache(documents)
	srv.SetParserTokenLimit(opts.Limits.MaxTokens)
	srv.SetDisableSuggestion(opts.DisableIntrospection)
	l := opts.Limits
	srv.Use(extensions.OperationRecorder{})
	srv.Use(&extensions.StrictVariables{})
	if !opts.DisableIntrospection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extensions.PersistedQueries())
	srv.Use(&extensions.QueryShape{
		MaxTokens: l.MaxTokens, MaxDepth: l.MaxDepth, MaxAliases: l.MaxAliases, MaxFields: l.MaxFields,
		MaxSelectionFields: l.MaxSelectionFields, MaxFragmentSpreads: l.MaxFragmentSpreads,
		MaxComplexity: l.MaxComplexity, NoIntrospection: opts.DisableIntrospection, Documents: documents,
	})
	srv.Use(layer.InputChecks())
	srv.Use(extensions.NewCostBudget(opts.RateLimits.CostPerMinute)) // after QueryShape, which measures the cost it charges
	// A WebSocket's queries and mutations take their turns here; HTTP
	// requests took theirs in the middleware.
	srv.Use(turns)
	srv.Use(extensions.NewAdmission(l.MaxConcurrentCost))
	layer.Install(srv, opts.DisableIntrospection)
	srv.Use(extensions.ResponseCeiling{MaxBytes: l.MaxResponseBytes})
	if !opts.Plain {
		layer.InstallFastPath(srv)
	}
	return srv
}

// withLoaders is loaders.Middleware as a link of the chain.
func withLoaders(reads *service.Reads, observe loaders.BatchObserver) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler { return loaders.Middleware(reads, observe, next) }
}

// allowOrigins is cors.Handler as a link of the chain.
func allowOrigins(origins cors.Origins) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler { return cors.Handler(origins, next) }
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Write([]byte("ok\n"))
}

// readyz answers whether the database answers.
func readyz(svc *service.Service) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := svc.Ready(ctx); err != nil {
			slog.WarnContext(ctx, "database not ready", "error", err)
			http.Error(w, "database unavailable\n", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
	}
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{8,128}$`)

// withRequestID gives every request an id, taken from a well-formed
// X-Request-Id header or made up, returned in the response and logged.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !requestIDPattern.MatchString(id) {
			b := make([]byte, 12)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(request.WithID(r.Context(), id)))
	})
}
