package cors

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestParseOrigins(t *testing.T) {
	tests := []struct {
		name    string
		list    string
		want    string
		wantErr string
	}{
		{"empty allows none", "", "", ""},
		{"one exact origin", "https://app.example.com", "https://app.example.com", ""},
		{"several, with spaces and case", " https://App.Example.com , http://localhost:3000 ", "https://app.example.com,http://localhost:3000", ""},
		{"any port of a host", "http://localhost:*", "http://localhost:*", ""},
		{"empty entries are ignored", "https://a.example.com,,", "https://a.example.com", ""},
		{"star is refused", "*", "", "would allow any page"},
		{"null is refused", "null", "", "would allow any page"},
		{"no scheme", "app.example.com", "", "scheme://host"},
		{"another scheme", "ftp://app.example.com", "", "scheme://host"},
		{"a path", "https://app.example.com/", "", "without a path"},
		{"a query", "https://app.example.com?x=1", "", "without a path"},
		{"user info", "https://ada@app.example.com", "", "without a path"},
		{"a wildcard subdomain", "https://*.example.com", "", "only for the port"},
		{"a bad port", "http://localhost:http", "", "scheme://host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := ParseOrigins(tt.list)
			switch {
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("ParseOrigins(%q): error %v; want one that says %q", tt.list, err, tt.wantErr)
			case tt.wantErr == "" && err != nil:
				t.Fatalf("ParseOrigins(%q): %v; want %q", tt.list, err, tt.want)
			case tt.wantErr == "" && o.String() != tt.want:
				t.Fatalf("ParseOrigins(%q) = %q; want %q", tt.list, o, tt.want)
			}
		})
	}
}

func TestAllows(t *testing.T) {
	o, err := ParseOrigins("https://app.example.com," + DevelopmentOrigins)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		origin string
		want   bool
	}{
		{"https://app.example.com", true},
		{"https://APP.example.com", true},
		{"http://app.example.com", false},
		{"https://app.example.com:8443", false},
		{"https://evil.example.com", false},
		{"https://app.example.com.evil.example", false},
		{"http://localhost:3000", true},
		{"http://localhost:5173", true},
		{"http://localhost", true},
		{"https://localhost:3000", false},
		{"http://127.0.0.1:8080", true},
		{"http://localhost.evil.example:3000", false},
		{"null", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := o.Allows(tt.origin); got != tt.want {
			t.Errorf("Allows(%q) = %v; want %v", tt.origin, got, tt.want)
		}
	}
	if (Origins{}).Allows("http://localhost:3000") {
		t.Errorf("the zero Origins allows http://localhost:3000; want no origin allowed")
	}
}

func TestHandler(t *testing.T) {
	o, err := ParseOrigins("https://app.example.com")
	if err != nil {
		t.Fatal(err)
	}
	const allowed, other = "https://app.example.com", "https://evil.example.com"
	tests := []struct {
		name         string
		method       string
		origin       string
		preflightFor string // Access-Control-Request-Method
		wantStatus   int
		wantNext     bool
		wantAllow    bool
	}{
		{"preflight from an allowed origin", http.MethodOptions, allowed, http.MethodPost, http.StatusNoContent, false, true},
		{"preflight from another origin", http.MethodOptions, other, http.MethodPost, http.StatusForbidden, false, false},
		{"preflight without an origin", http.MethodOptions, "", http.MethodPost, http.StatusForbidden, false, false},
		{"request from an allowed origin", http.MethodPost, allowed, "", http.StatusOK, true, true},
		{"GET from an allowed origin", http.MethodGet, allowed, "", http.StatusOK, true, true},
		{"request from another origin", http.MethodPost, other, "", http.StatusOK, true, false},
		{"request without an origin", http.MethodPost, "", "", http.StatusOK, true, false},
		{"plain OPTIONS is no preflight", http.MethodOptions, allowed, "", http.StatusOK, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calledNext := false
			h := Handler(o, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { calledNext = true }))
			req := httptest.NewRequest(tt.method, "/graphql", nil)
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			if tt.preflightFor != "" {
				req.Header.Set("Access-Control-Request-Method", tt.preflightFor)
				req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			checkResponse(t, rec, tt.wantStatus, tt.wantAllow, tt.preflightFor != "")
			if calledNext != tt.wantNext {
				t.Errorf("the wrapped handler ran: %v; want %v", calledNext, tt.wantNext)
			}
		})
	}
}

// checkResponse checks the status and the CORS headers of a response.
func checkResponse(t *testing.T, rec *httptest.ResponseRecorder, wantStatus int, wantAllow, preflight bool) {
	t.Helper()
	h := rec.Header()
	if rec.Code != wantStatus {
		t.Errorf("status %d; want %d", rec.Code, wantStatus)
	}
	if !slices.Contains(h.Values("Vary"), "Origin") {
		t.Errorf("Vary %q; want it to name Origin", h.Values("Vary"))
	}
	corsHeaders := []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
		"Access-Control-Max-Age", "Access-Control-Expose-Headers", "Access-Control-Allow-Credentials"}
	if !wantAllow {
		for _, name := range corsHeaders {
			if v := h.Get(name); v != "" {
				t.Errorf("%s: %q; want no CORS header for this origin", name, v)
			}
		}
		return
	}
	if got := h.Get("Access-Control-Allow-Origin"); got != "https://app.example.com" {
		t.Errorf("Access-Control-Allow-Origin %q; want the request's origin", got)
	}
	want := map[string]string{"Access-Control-Expose-Headers": "X-Request-Id"}
	if preflight {
		want = map[string]string{
			"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
			"Access-Control-Allow-Headers": "Authorization, Content-Type, Idempotency-Key, X-API-Key, X-Request-Id",
			"Access-Control-Max-Age":       "7200",
		}
	}
	for name, value := range want {
		if got := h.Get(name); got != value {
			t.Errorf("%s: %q; want %q", name, got, value)
		}
	}
	if got := h.Get("Access-Control-Allow-Credentials"); got != "" {
		t.Errorf("Access-Control-Allow-Credentials %q; want none: the API takes bearer tokens, not cookies", got)
	}
}
