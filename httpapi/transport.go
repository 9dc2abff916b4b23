package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/graph/request"
	"github.com/contacts-api/contacts/httpapi/ratelimit"
)

// postTransport answers POST requests as gqlgen's transport.POST does,
// except that it writes the data of a response as the executor wrote it
// (gqlgen's encodes the whole response with encoding/json, which scans and
// copies every byte of the data again: a tenth of the CPU time of a page
// of contacts, and a second copy of its response in memory) and answers
// request errors as the GraphQL-over-HTTP specification says.
type postTransport struct {
	transport.POST
}

// The media types a response may take, as the client accepts them.
const (
	applicationJSON     = "application/json"
	graphQLResponseJSON = "application/graphql-response+json"
)

// Do runs the operation of the request's body and writes its response.
func (t postTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	contentType := responseContentType(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", contentType)
	start := graphql.Now()
	params := &graphql.RawParams{Headers: r.Header}
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		writeRequestError(w, exec.DispatchError(r.Context(), gqlerror.List{gqlerror.Errorf("json request body could not be decoded: %v", err)}))
		return
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	respond(w, r, exec, contentType, params)
}

// getTransport answers GET requests: queries only, their document and
// variables in the URL's query string.
type getTransport struct{}

// Supports reports whether r is a GET that is not a WebSocket upgrade.
func (getTransport) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet && r.Header.Get("Upgrade") == ""
}

// Do runs the query of the request's URL and writes its response.
func (getTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	contentType := responseContentType(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", contentType)
	start := graphql.Now()
	query := r.URL.Query()
	params := &graphql.RawParams{Query: query.Get("query"), OperationName: query.Get("operationName"), Headers: r.Header}
	for name, into := range map[string]*map[string]any{"variables": &params.Variables, "extensions": &params.Extensions} {
		if err := decodeParam(query.Get(name), into); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			writeRequestError(w, exec.DispatchError(r.Context(), gqlerror.List{gqlerror.Errorf("%s could not be decoded: %v", name, err)}))
			return
		}
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	respond(w, r, exec, contentType, params)
}

// decodeParam decodes a JSON object sent in a URL parameter, when it is
// there, keeping numbers as written, as the body's decoder does.
func decodeParam(value string, into *map[string]any) error {
	if value == "" {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(value))
	dec.UseNumber()
	return dec.Decode(into)
}

// respond runs the operation that params name and writes its response.
// A request error (a document that does not parse or validate, variables
// that do not coerce) answers without a data entry, since no operation
// ran; a mutation over GET answers 405, as the specification says: a GET
// must not change anything. A subscription needs a WebSocket.
func respond(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, contentType string, params *graphql.RawParams) {
	ctx := r.Context()
	rec := request.Of(ctx)
	defer rec.ResponseWritten()
	opCtx, errs := exec.CreateOperationContext(ctx, params)
	if errs == nil && opCtx.Operation.Operation == ast.Subscription {
		// Over HTTP, a subscription would hold its request open until its
		// first event, and then end.
		errs = gqlerror.List{{Message: "Subscriptions run over a WebSocket at this path, with the graphql-transport-ws protocol: an HTTP request may run queries and mutations.",
			Extensions: map[string]any{"code": graph.CodeBadRequest}}}
	}
	if errs == nil && r.Method == http.MethodGet && opCtx.Operation.Operation != ast.Query {
		w.Header().Set("Allow", http.MethodPost)
		errs = gqlerror.List{{Message: "Send mutations with POST: GET requests may only run queries.", Extensions: map[string]any{"code": graph.CodeMethodNotAllowed}}}
		w.WriteHeader(http.StatusMethodNotAllowed)
		writeRequestError(w, exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs))
		return
	}
	if errs != nil {
		status := statusOf(contentType, errs)
		if retryAfter := rec.RateLimited(); retryAfter > 0 { // the cost budget refused it
			w.Header().Set("Retry-After", strconv.Itoa(ratelimit.Seconds(retryAfter)))
			status = http.StatusTooManyRequests
		}
		w.WriteHeader(status)
		writeRequestError(w, exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs))
		return
	}
	responses, ctx := exec.DispatchOperation(graph.TrackOutage(ctx), opCtx)
	response := graph.EncodeResponse(responses(ctx))
	// With its length the response goes out whole when observeRequests
	// sends it ahead of the request's log line, not chunked.
	w.Header().Set("Content-Length", strconv.Itoa(response.Len()))
	if graph.OutageUnanswered(ctx) {
		w.Header().Set("Retry-After", retryAfterSeconds)
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	response.Send(w)
}

// responseContentType chooses the media type of a response by the
// request's Accept header, as transport.POST does: application/json
// unless the client asks for application/graphql-response+json or accepts
// neither.
func responseContentType(accept string) string {
	if accept == "" {
		return applicationJSON
	}
	for part := range strings.SplitSeq(accept, ",") {
		switch mediaType, _, _ := mime.ParseMediaType(strings.TrimSpace(part)); mediaType {
		case "*/*", "application/*", applicationJSON:
			return applicationJSON
		case graphQLResponseJSON:
			return graphQLResponseJSON
		}
	}
	return graphQLResponseJSON
}

// statusOf returns the status of a response whose operation could not
// run: a request error (a document that does not parse or validate) is
// 400 for application/graphql-response+json; with application/json, whose
// clients may read only the body of a 200, every answer is 200.
func statusOf(contentType string, errs gqlerror.List) int {
	if contentType == graphQLResponseJSON && errcode.GetErrorKind(errs) == errcode.KindProtocol {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// writeRequestError writes the response of a request that ran no
// operation: its errors and extensions, and no data entry at all.
func writeRequestError(w io.Writer, resp *graphql.Response) {
	b, err := json.Marshal(struct {
		Errors     gqlerror.List  `json:"errors"`
		Extensions map[string]any `json:"extensions,omitempty"`
	}{resp.Errors, resp.Extensions})
	if err != nil {
		panic(fmt.Errorf("encode a response: %w", err)) // as transport.POST does
	}
	w.Write(b)
}
