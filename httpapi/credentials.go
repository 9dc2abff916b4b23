package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/graph/request"
	"github.com/contacts-api/contacts/service"
)

// credentialOf returns the credential a request carries: a JWT or an API
// key in the Authorization header (Bearer), or an API key in X-API-Key, as
// other contact APIs take them. problem, when not empty, says why the
// request carries none the server takes: credentials in the URL are
// refused, since URLs are written to logs and browser histories.
func credentialOf(r *http.Request) (credential, problem string) {
	if inURL(r) {
		return "", "Send credentials in a header (Authorization: Bearer <token>, or X-API-Key: <key>), never in the URL."
	}
	return credentialOfHeader(r.Header)
}

// credentialOfHeader returns the credential in h's Authorization or
// X-API-Key, as credentialOf says.
func credentialOfHeader(h http.Header) (credential, problem string) {
	header, key := h.Get("Authorization"), strings.TrimSpace(h.Get("X-API-Key"))
	switch {
	case len(header) > len("Bearer ")+auth.MaxTokenLength || len(key) > auth.MaxTokenLength:
		return "", "The token is not valid."
	case header != "" && key != "":
		return "", "Send one credential: Authorization or X-API-Key, not both."
	case key != "":
		if !auth.IsAPIKey(key) {
			return "", "X-API-Key takes an API key (ck_…); send a JWT as Authorization: Bearer <token>."
		}
		return key, ""
	}
	scheme, token, _ := strings.Cut(header, " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", "Send a token in the Authorization header (Bearer <token>), or an API key in X-API-Key."
	}
	return token, ""
}

// credentialParams are the URL parameters in which clients of other APIs
// send credentials.
var credentialParams = []string{"access_token", "api_key", "apikey", "apiKey", "key", "token"}

// inURL reports whether the request's URL carries a credential: a
// parameter named as credentials are, or a value that is an API key.
func inURL(r *http.Request) bool {
	if r.URL.RawQuery == "" {
		return false
	}
	query := r.URL.Query()
	for _, name := range credentialParams {
		if query.Has(name) {
			return true
		}
	}
	for _, values := range query {
		for _, v := range values {
			if auth.IsAPIKey(strings.TrimSpace(v)) {
				return true
			}
		}
	}
	return false
}

// authenticate checks the request's credential (see credentialOf), a JWT
// or an API key; a request without a valid one gets 401, the same for every reason. A client over
// its limit of failed authentications gets 429 instead: for an API key
// before it is looked up in the database, for a JWT once it is found
// invalid. A JWT costs microseconds to check and no lookup, so a
// frontend's valid token is served even from the address of an attacker
// (such as a shared NAT).
func authenticate(opts Options, failures *authFailures) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
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
				slog.InfoContext(ctx, "token refused", "request_id", request.ID(ctx), "reason", err, "client", client.String())
				if !failures.fail(ctx, w, client) {
					writeUnauthenticated(ctx, w, "The token is not valid.")
				}
				return
			case err != nil:
				writeGraphQLError(ctx, w, http.StatusServiceUnavailable, graph.InternalError(ctx, err))
				return
			}
			request.Of(ctx).SetPrincipal(p)
			next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(ctx, p)))
		})
	}
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
