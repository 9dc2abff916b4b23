package httpapi

import (
	"slices"
	"strings"
	"testing"
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
