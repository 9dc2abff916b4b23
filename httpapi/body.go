package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"golang.org/x/sync/semaphore"

	"github.com/contacts-api/contacts/ctxkey"
	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/httpapi/ratelimit"
)

// bulkDirective marks, in the schema, the mutations whose bodies may be up
// to MaxBulkBodyBytes: their 1,000 inputs need more than MaxBodyBytes.
const bulkDirective = "bulk"

// bulkFieldsOf returns the names of schema's mutations marked @bulk, in
// the schema's order.
func bulkFieldsOf(schema *ast.Schema) []string {
	var names []string
	if schema.Mutation == nil {
		return nil
	}
	for _, f := range schema.Mutation.Fields {
		if f.Directives.ForName(bulkDirective) != nil {
			names = append(names, f.Name)
		}
	}
	return names
}

// checkRequest refuses, before authentication and without reading the
// body, what the GraphQL endpoint does not take: methods other than GET
// and POST, and POST bodies other than JSON (multipart, form and
// application/graphql bodies). The body is read later, by bodyReader,
// once the caller is known.
func checkRequest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			next.ServeHTTP(w, r)
			return
		case http.MethodPost:
		default:
			w.Header().Set("Allow", "GET, POST")
			writeRefusal(r.Context(), w, http.StatusMethodNotAllowed, graph.CodeMethodNotAllowed, "Send GraphQL requests with POST, or GET for queries.")
			return
		}
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
			writeRefusal(r.Context(), w, http.StatusUnsupportedMediaType, graph.CodeUnsupportedMediaType,
				`Send the request body as application/json: {"query": "…", "variables": {…}}. Multipart, form and application/graphql bodies are not accepted.`)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// bodyChunk is the first room a body is read into (one declared shorter
// gets its length); the room doubles as the body fills it, so that memory
// follows the bytes received, never a Content-Length beyond a chunk that
// a client declares.
const bodyChunk = 4 << 10

// bodyWait is how long a body waits for room in the budget before the
// request is refused with 503.
const bodyWait = time.Second

// errNoRoom is the budget's refusal.
var errNoRoom = errors.New("no room for the body in MaxInflightBodyBytes")

// bodyReader reads POST bodies into memory, after authentication, and
// refuses bodies over the limits and batches of operations. It reads
// before GraphQL does, because gqlgen reports a failed read as a 200
// response. The room that the bodies in flight take is one budget of the
// process, reserved as the bytes arrive and given back when the request
// ends, so that no number of slow senders holds more than it.
type bodyReader struct {
	limits Limits
	budget *semaphore.Weighted
	// bulk are the mutations marked @bulk.
	bulk []string
}

func newBodyReader(limits Limits, schema *ast.Schema) *bodyReader {
	return &bodyReader{limits: limits, budget: semaphore.NewWeighted(limits.MaxInflightBodyBytes), bulk: bulkFieldsOf(schema)}
}

// requestBodyKey holds the body that bodyReader read for the request of
// a context.
var requestBodyKey = ctxkey.New[[]byte]("httpapi.requestBody")

// read is the middleware that reads the body.
func (b *bodyReader) read(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		body, held, err := b.readBody(w, r)
		defer b.budget.Release(held)
		limits := b.limits
		_, overBulkLimit := errors.AsType[*http.MaxBytesError](err)
		switch {
		case errors.Is(err, errNoRoom):
			w.Header().Set("Retry-After", strconv.Itoa(ratelimit.Seconds(bodyWait)))
			writeRefusal(r.Context(), w, http.StatusServiceUnavailable, graph.CodeServerBusy, "The server is reading as many request bodies as it may hold; retry in a second.")
			return
		case overBulkLimit, err == nil && int64(len(body)) > limits.MaxBodyBytes && !b.isBulkMutation(body):
			writeRefusal(r.Context(), w, http.StatusRequestEntityTooLarge, graph.CodeBodyTooLarge, fmt.Sprintf(
				"The request body is over %d bytes. Only a mutation of %s alone, with its inputs in variables, may send up to %d bytes.",
				limits.MaxBodyBytes, orList(b.bulk), limits.MaxBulkBodyBytes))
			return
		case err != nil:
			writeRefusal(r.Context(), w, http.StatusBadRequest, graph.CodeBadRequest, "The request body could not be read.")
			return
		case bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n"), []byte("[")):
			writeRefusal(r.Context(), w, http.StatusBadRequest, graph.CodeBatchNotSupported, "Batches of operations (a JSON array) are not accepted: send one operation per request.")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r.WithContext(requestBodyKey.With(r.Context(), body)))
	})
}

// readBody reads r's body, up to MaxBulkBodyBytes, and returns it with the
// room it holds of the budget. A body declared longer than that is
// refused unread.
func (b *bodyReader) readBody(w http.ResponseWriter, r *http.Request) (body []byte, held int64, err error) {
	limit := b.limits.MaxBulkBodyBytes
	if r.ContentLength > limit {
		return nil, 0, &http.MaxBytesError{Limit: limit}
	}
	src := http.MaxBytesReader(w, r.Body, limit)
	for {
		if len(body) == cap(body) {
			// Up to limit+1, so that the read past the limit has room
			// to fail.
			grow := min(max(int64(cap(body)), bodyChunk), limit+1-int64(cap(body)))
			if cap(body) == 0 && r.ContentLength >= 0 && r.ContentLength < bodyChunk {
				// A short body declared is read into room of its size,
				// and a byte more to see its end: a chunk each would be
				// most of what a small request allocates.
				grow = r.ContentLength + 1
			}
			if err := b.reserve(r.Context(), grow); err != nil {
				return nil, held, err
			}
			held += grow
			body = append(make([]byte, 0, int64(cap(body))+grow), body...)
		}
		n, err := src.Read(body[len(body):cap(body)])
		body = body[:len(body)+n]
		switch {
		case err == io.EOF:
			return body, held, nil
		case err != nil:
			return nil, held, err
		}
	}
}

// reserve takes n bytes of the budget, waiting up to bodyWait for them.
func (b *bodyReader) reserve(ctx context.Context, n int64) error {
	if b.budget.TryAcquire(n) {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, bodyWait)
	defer cancel()
	if b.budget.Acquire(ctx, n) != nil {
		return errNoRoom
	}
	return nil
}

// isBulkMutation reports whether the JSON request body holds a document
// whose every operation is a mutation that selects only bulk fields: only
// its variables may take it over MaxBodyBytes. It decodes the query
// members only, when they are no longer than MaxBodyBytes, and parses them
// with the token limit, so it answers in about a millisecond a megabyte,
// whatever the body holds. Every member named query counts, in any case:
// encoding/json, which gqlgen uses, takes the last of them and matches
// names without regard to case.
func (b *bodyReader) isBulkMutation(body []byte) bool {
	queries, ok := topLevelStrings(body, "query", int(b.limits.MaxBodyBytes))
	if !ok || len(queries) == 0 {
		return false
	}
	for _, q := range queries {
		doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: q}, b.limits.MaxTokens)
		if err != nil || len(doc.Operations) == 0 {
			return false
		}
		for _, op := range doc.Operations {
			if !b.onlyBulkFields(op) {
				return false
			}
		}
	}
	return true
}

func (b *bodyReader) onlyBulkFields(op *ast.OperationDefinition) bool {
	if op.Operation != ast.Mutation || len(op.SelectionSet) == 0 {
		return false
	}
	for _, sel := range op.SelectionSet {
		f, ok := sel.(*ast.Field)
		if !ok || !slices.Contains(b.bulk, f.Name) || len(f.Directives) > 0 {
			return false
		}
	}
	return true
}

// orList joins names as "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// topLevelStrings returns the values of the members of the JSON object in
// body whose names equal name without regard to case. It skips the other
// members without decoding them. ok is false when body is not an object
// or one of those members is not a string of at most maxLen bytes.
func topLevelStrings(body []byte, name string, maxLen int) (values []string, ok bool) {
	s := jsonScanner{b: body}
	if !s.consume('{') {
		return nil, false
	}
	if s.consume('}') {
		return nil, true
	}
	for {
		key, ok := s.str()
		if !ok || !s.consume(':') {
			return nil, false
		}
		start := s.skipSpace()
		if !s.value() {
			return nil, false
		}
		if strings.EqualFold(key, name) {
			var v string
			if s.i-start > maxLen || json.Unmarshal(body[start:s.i], &v) != nil {
				return nil, false
			}
			values = append(values, v)
		}
		if s.consume('}') {
			return values, s.skipSpace() == len(s.b)
		}
		if !s.consume(',') {
			return nil, false
		}
	}
}

// jsonScanner steps over JSON values without decoding them. It checks
// only what it needs to find where each value ends.
type jsonScanner struct {
	b []byte
	i int
}

func (s *jsonScanner) skipSpace() int {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
	return s.i
}

// consume steps over c, after white space, if it is next.
func (s *jsonScanner) consume(c byte) bool {
	if s.skipSpace() < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str decodes the string that comes next.
func (s *jsonScanner) str() (string, bool) {
	start := s.skipSpace()
	if !s.skipString() {
		return "", false
	}
	var v string
	if json.Unmarshal(s.b[start:s.i], &v) != nil {
		return "", false
	}
	return v, true
}

// skipString steps over the string that starts at s.i. It steps byte by
// byte through the first bytes, where most strings end, then jumps from
// quote to quote: a quote ends the string unless an odd number of
// backslashes escapes it.
func (s *jsonScanner) skipString() bool {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return false
	}
	short := min(len(s.b), s.i+32)
	for s.i++; s.i < short; s.i++ {
		switch s.b[s.i] {
		case '\\':
			s.i++
		case '"':
			s.i++
			return true
		}
	}
	for s.i < len(s.b) {
		j := bytes.IndexByte(s.b[s.i:], '"')
		if j < 0 {
			break
		}
		s.i += j + 1
		backslashes := 0
		for k := s.i - 2; s.b[k] == '\\'; k-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return true
		}
	}
	s.i = len(s.b)
	return false
}

// structural marks the bytes that matter inside an object or array.
var structural = [256]bool{'"': true, '{': true, '}': true, '[': true, ']': true}

// value steps over the value that starts at s.i: a string, an object or
// array with everything in it, or a literal.
func (s *jsonScanner) value() bool {
	if s.i >= len(s.b) {
		return false
	}
	switch s.b[s.i] {
	case '"':
		return s.skipString()
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			c := s.b[s.i]
			switch {
			case !structural[c]:
				s.i++
				continue
			case c == '"':
				if !s.skipString() {
					return false
				}
				continue
			case c == '{' || c == '[':
				depth++
			default:
				depth--
			}
			s.i++
			if depth == 0 {
				return true
			}
		}
		return false
	}
	start := s.i
	for s.i < len(s.b) && !strings.ContainsRune(",}] \t\r\n", rune(s.b[s.i])) {
		s.i++
	}
	return s.i > start
}
