package httpapi

import (
	"net/http"
	"testing"

	"github.com/vektah/gqlparser/v2/gqlerror"
)

func TestResponseContentTypeFollowsAccept(t *testing.T) {
	tests := []struct{ accept, want string }{
		{"", applicationJSON},
		{"*/*", applicationJSON},
		{"application/json", applicationJSON},
		{"application/graphql-response+json, application/json;q=0.9", graphQLResponseJSON},
		{"text/html, application/*", applicationJSON},
		{"text/html", graphQLResponseJSON},
	}
	for _, tt := range tests {
		if got := responseContentType(tt.accept); got != tt.want {
			t.Errorf("Accept %q: %s, want %s", tt.accept, got, tt.want)
		}
	}
}

func TestStatusOfARequestError(t *testing.T) {
	invalid := gqlerror.List{{Message: "Cannot query field.", Extensions: map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}}}
	refused := gqlerror.List{{Message: "No.", Extensions: map[string]any{"code": "FORBIDDEN"}}}
	for _, tt := range []struct {
		contentType string
		errs        gqlerror.List
		want        int
	}{
		{applicationJSON, invalid, http.StatusOK},
		{graphQLResponseJSON, invalid, http.StatusBadRequest},
		{applicationJSON, refused, http.StatusOK},
	} {
		if got := statusOf(tt.contentType, tt.errs); got != tt.want {
			t.Errorf("%s, %v: status %d, want %d", tt.contentType, tt.errs, got, tt.want)
		}
	}
}
