package graph

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/events"
	"github.com/contacts-api/contacts/graph/clientaddr"
	"github.com/contacts-api/contacts/graph/cors"
	"github.com/contacts-api/contacts/graph/loaders"
	"github.com/contacts-api/contacts/graph/playground"
	"github.com/contacts-api/contacts/metrics"
	"github.com/contacts-api/contacts/service"
)

// persistedQueryCacheSize bounds the automatic persisted queries kept in
// memory, all workspaces together: the least recently used go first, and
// clients resend them.
const persistedQueryCacheSize = 1000

// persistedQueries is the cache of automatic persisted queries, keyed by
// workspace as well as by hash: a document one workspace sent is found by
// its hash only in that workspace, so that no workspace can learn by
// asking for a hash whether another one sent its document.
type persistedQueries struct{ queries *lru.LRU[string] }

var _ graphql.Cache[string] = persistedQueries{}

// Get returns the document of the caller's workspace with hash.
func (c persistedQueries) Get(ctx context.Context, hash string) (string, bool) {
	return c.queries.Get(ctx, workspaceKey(ctx, hash))
}

// Add keeps query under hash for the caller's workspace.
func (c persistedQueries) Add(ctx context.Context, hash, query string) {
	c.queries.Add(ctx, workspaceKey(ctx, hash), query)
}

// workspaceKey returns hash prefixed by the caller's workspace. Every
// request that reaches GraphQL is authenticated; were one not, its key
// would fall under the nil workspace, which no caller has.
func workspaceKey(ctx context.Context, hash string) string {
	ws, _ := service.Workspace(ctx)
	return ws.String() + "/" + hash
}

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
	// plain serves requests without the shortcuts of render.go and
	// projection.go: gqlgen resolves every field and the loaders fetch
	// whole records. For the tests that compare the two.
	plain bool
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
	mux := http.NewServeMux()
	if opts.Playground {
		playground.Mount(mux, playground.Config{
			Title: "Contacts API", Endpoint: "/graphql",
			Token: opts.PlaygroundToken, DefaultQuery: playgroundQuery,
		})
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := opts.Service.Store().Ping(ctx); err != nil {
			slog.WarnContext(ctx, "database not ready", "error", err)
			http.Error(w, "database unavailable\n", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
	})
	opts.Limits = opts.Limits.withDefaults()
	rates := newRateLimiter(opts.RateLimits)
	admit := newAdmission(opts.Limits.MaxConcurrentCost)
	bodies := newBodyReader(opts.Limits)
	// Nothing reads a body before the caller is known: an anonymous
	// client costs a look at its headers.
	failures := newAuthFailures(opts.RateLimits.FailedAuthPerMinute, opts.TrustedProxies)
	gql := checkRequest(authenticate(opts, failures, rates.middleware(bodies.middleware(idempotent(opts.Service,
		loaders.Middleware(opts.Service.Store(), m.ObserveBatch,
			admit.middleware(newGraphQLServer(opts, rates, admit))))))))
	mux.Handle("/graphql", gql)
	return withRequestID(observeRequests(m, recoverPanics(cors.Handler(opts.AllowedOrigins, mux))))
}

func newGraphQLServer(opts Options, rates *rateLimiter, admit *admission) http.Handler {
	schema := NewExecutableSchema(Config{Resolvers: &Resolver{Service: opts.Service}, Complexity: complexityRoot()})
	srv := handler.New(schema)
	srv.AddTransport(getTransport{})
	srv.AddTransport(postTransport{})
	documents := lru.New[*ast.QueryDocument](1000)
	srv.SetQueryCache(documents)
	srv.Use(operationRecorder{})
	srv.Use(&strictVariables{})
	srv.SetParserTokenLimit(opts.Limits.MaxTokens)
	if !opts.DisableIntrospection {
		srv.Use(extension.Introspection{})
	}
	srv.SetDisableSuggestion(opts.DisableIntrospection)
	srv.Use(extension.AutomaticPersistedQuery{Cache: persistedQueries{lru.New[string](persistedQueryCacheSize)}})
	srv.Use(&queryShape{limits: opts.Limits, noIntrospection: opts.DisableIntrospection, documents: documents})
	inputs := &inputChecks{}
	srv.Use(inputs)
	srv.Use(rates) // after queryShape, which measures the cost it charges
	srv.Use(admit)
	srv.SetErrorPresenter(errorPresenter(opts.DisableIntrospection))
	srv.SetRecoverFunc(recoverPanic)
	srv.AroundOperations(requireScope)
	srv.AroundRootFields(freshLoadersForMutations)
	srv.AroundRootFields(inputs.refuseInput)
	srv.AroundFields(secretFieldsOf(schema.Schema()).note)
	srv.Use(responseCeiling{maxBytes: opts.Limits.MaxResponseBytes})
	if !opts.plain {
		srv.AroundOperations(projectLoads)
		srv.AroundFields(renderFields)
	}
	return srv
}

// freshLoadersForMutations empties the loaders' caches before each
// mutation, so that what it returns reflects what it wrote.
func freshLoadersForMutations(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	if graphql.GetOperationContext(ctx).Operation.Operation == ast.Mutation {
		loaders.For(ctx).ClearAll()
	}
	return next(ctx)
}

// authenticate checks the request's credential (see credentialOf), a JWT
// or an API key; a request without a valid one gets 401, the same for every reason. A client over
// its limit of failed authentications gets 429 instead: for an API key
// before it is looked up in the database, for a JWT once it is found
// invalid. A JWT costs microseconds to check and no lookup, so a
// frontend's valid token is served even from the address of an attacker
// (such as a shared NAT).
func authenticate(opts Options, failures *authFailures, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		client := failures.client(r)
		token, problem := credentialOf(r)
		if problem != "" {
			writeUnauthenticated(ctx, w, problem)
			return
		}
		if auth.IsAPIKey(token) && failures.refuse(ctx, w, client) {
			return
		}
		p, err := principalOf(ctx, opts, token)
		switch {
		case errors.Is(err, auth.ErrUnauthenticated):
			slog.InfoContext(ctx, "token refused", "request_id", RequestID(ctx), "reason", err, "client", client.String())
			if !failures.fail(ctx, w, client) {
				writeUnauthenticated(ctx, w, "The token is not valid.")
			}
			return
		case err != nil:
			writeGraphQLError(ctx, w, http.StatusServiceUnavailable, internalError(ctx, err))
			return
		}
		recordOf(ctx).setPrincipal(p)
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(ctx, p)))
	})
}

// principalOf returns the caller a bearer token stands for. An API key
// (ck_…) is looked up in the database; anything else is verified as a JWT,
// whose workspace is provisioned on first use.
func principalOf(ctx context.Context, opts Options, token string) (*auth.Principal, error) {
	if auth.IsAPIKey(token) {
		return opts.Service.AuthenticateAPIKey(ctx, token)
	}
	p, err := opts.Verifier.Verify(token)
	if err != nil {
		return nil, err
	}
	return p, opts.Service.Provision(ctx, p.WorkspaceID)
}

func writeUnauthenticated(ctx context.Context, w http.ResponseWriter, message string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="contacts"`)
	writeGraphQLError(ctx, w, http.StatusUnauthorized, &gqlerror.Error{
		Message:    message,
		Extensions: map[string]any{"code": service.CodeUnauthenticated},
	})
}

// writeGraphQLError answers a request that GraphQL did not run with err;
// a 503 (the database failed before GraphQL ran) says when to retry.
func writeGraphQLError(ctx context.Context, w http.ResponseWriter, status int, err *gqlerror.Error) {
	recordOf(ctx).addErrors(err)
	w.Header().Set("Content-Type", "application/json")
	if status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", retryAfterSeconds)
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": gqlerror.List{err}})
}

type requestIDKey struct{}

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
		next.ServeHTTP(w, r.WithContext(events.WithRequestID(context.WithValue(r.Context(), requestIDKey{}, id), id)))
	})
}

// RequestID returns the id of the request in ctx.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
