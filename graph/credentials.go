package graph

import (
	"net/http"
	"strings"

	"github.com/contacts-api/contacts/auth"
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
	header, key := r.Header.Get("Authorization"), strings.TrimSpace(r.Header.Get("X-API-Key"))
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
