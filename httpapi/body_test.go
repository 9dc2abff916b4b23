package httpapi

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/contacts-api/contacts/graph"
)

func TestTopLevelStrings(t *testing.T) {
	t.Parallel()
	long := strings.Repeat(`x\"\\`, 20)
	tests := []struct {
		name   string
		body   string
		want   []string
		wantOK bool
	}{
		{"one member", `{"query":"q"}`, []string{"q"}, true},
		{"after other members", ` { "variables" : {"a":[1,{"query":"nested"}],"b":"}"} , "query" : "q" } `, []string{"q"}, true},
		{"every case", `{"Query":"a","QUERY":"b","query":"c"}`, []string{"a", "b", "c"}, true},
		{"escaped name", `{"\u0071uery":"q"}`, []string{"q"}, true},
		{"escapes in a short value", `{"query":"a\"b\\"}`, []string{`a"b\`}, true},
		{"escapes in a long value", `{"x":"` + long + `","query":"` + long + `"}`, []string{strings.Repeat(`x"\`, 20)}, true},
		{"a value ending in an escaped backslash", `{"x":"` + strings.Repeat("y", 40) + `\\\\","query":"q"}`, []string{"q"}, true},
		{"no such member", `{"variables":{}}`, nil, true},
		{"empty object", `{}`, nil, true},
		{"not a string", `{"query":42}`, nil, false},
		{"an array", `[{"query":"q"}]`, nil, false},
		{"unterminated string", `{"query":"q`, nil, false},
		{"unterminated object", `{"x":{"y":1}`, nil, false},
		{"trailing garbage", `{"query":"q"} x`, nil, false},
		{"too long", `{"query":"` + strings.Repeat("q", 199) + `"}`, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := topLevelStrings([]byte(tt.body), "query", 200)
			if ok != tt.wantOK || ok && !slices.Equal(got, tt.want) {
				t.Fatalf("TopLevelStrings(%s) = %q, %v; want %q, %v", tt.body, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// TestBulkMutationsComeFromTheSchema: the mutations that may have the
// larger body are those marked @bulk, each a mutation of a list of inputs
// (what needs the room), and a document of any of them alone is one.
func TestBulkMutationsComeFromTheSchema(t *testing.T) {
	schema := graph.NewLayer(nil).Schema().Schema()
	b := newBodyReader(DefaultLimits, schema)
	if len(b.bulk) == 0 {
		t.Fatal("no mutation is marked @bulk; want the bulk upserts and deleteContacts")
	}
	for _, name := range b.bulk {
		f := schema.Mutation.Fields.ForName(name)
		if !slices.ContainsFunc(f.Arguments, func(a *ast.ArgumentDefinition) bool { return a.Type.Elem != nil }) {
			t.Errorf("@bulk %s takes no list: it needs no larger body", name)
		}
		if body := `{"query":"mutation { ` + name + ` }"}`; !b.isBulkMutation([]byte(body)) {
			t.Errorf("%s is not taken for a bulk mutation", body)
		}
	}
	if body := `{"query":"mutation { createContact }"}`; b.isBulkMutation([]byte(body)) {
		t.Errorf("%s is taken for a bulk mutation", body)
	}
}

// TestABodyHoldsRoomForWhatItSends: a short body declared holds room of
// its length (and a byte to see its end), not a whole chunk; one declared
// long holds a chunk until its bytes come, never its declared length.
func TestABodyHoldsRoomForWhatItSends(t *testing.T) {
	t.Parallel()
	b := newBodyReader(DefaultLimits, graph.NewLayer(nil).Schema().Schema())
	short := `{"query":"{ viewer { workspaceId } }"}`
	tests := []struct {
		name     string
		declared int64
		sent     string
		wantHeld int64
	}{
		{"a short body", int64(len(short)), short, int64(len(short)) + 1},
		{"a long body declared that sends little", 1 << 20, short, bodyChunk},
		{"a body of no declared length", -1, short, bodyChunk},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(tt.sent))
			r.ContentLength = tt.declared
			body, held, err := b.readBody(httptest.NewRecorder(), r)
			if err != nil || string(body) != tt.sent || held != tt.wantHeld {
				t.Errorf("read %q, holding %d bytes (err %v); want %q, holding %d", body, held, err, tt.sent, tt.wantHeld)
			}
		})
	}
}
