package playground

import (
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func newMux(cfg Config) *http.ServeMux {
	mux := http.NewServeMux()
	Mount(mux, cfg)
	return mux
}

func get(h http.Handler, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec
}

// pageURLs are the URLs the page refers to.
var pageURLs = regexp.MustCompile(`(?:src|href)="([^"]*)"`)

func TestPageLoadsOnlyEmbeddedAssets(t *testing.T) {
	mux := newMux(Config{Title: "Contacts API", Endpoint: "/graphql"})
	page := get(mux, "/")
	if page.Code != http.StatusOK {
		t.Fatalf("GET /: status %d; want 200", page.Code)
	}
	var assetURLs []string
	for _, m := range pageURLs.FindAllStringSubmatch(page.Body.String(), -1) {
		switch url := m[1]; {
		case url == "data:,": // the empty icon, so that the browser asks for no favicon
		case strings.HasPrefix(url, AssetPrefix+version+"/"):
			assetURLs = append(assetURLs, url)
		default:
			t.Errorf("the page refers to %q; want only embedded assets under %s", url, AssetPrefix+version+"/")
		}
	}
	if len(assetURLs) < 8 {
		t.Fatalf("the page loads %d assets; want React, ReactDOM, GraphiQL, its explorer and the page's own\n%s", len(assetURLs), page.Body)
	}
	wantType := map[string]string{".js": "text/javascript", ".css": "text/css"}
	for _, url := range assetURLs {
		rec := get(mux, url)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: status %d; want 200", url, rec.Code)
			continue
		}
		mt, _, _ := mime.ParseMediaType(rec.Header().Get("Content-Type"))
		if want := wantType[url[strings.LastIndex(url, "."):]]; mt != want {
			t.Errorf("GET %s: Content-Type %q; want %s", url, mt, want)
		}
		if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
			t.Errorf("GET %s: Cache-Control %q; want a year, immutable", url, cc)
		}
	}
}

func TestAssetRequests(t *testing.T) {
	mux := newMux(Config{Endpoint: "/graphql"})
	tests := []struct {
		name   string
		target string
		want   int
	}{
		{"current version", AssetPrefix + version + "/graphiql/graphiql.min.js", http.StatusOK},
		{"a package's license", AssetPrefix + version + "/graphiql/LICENSE", http.StatusOK},
		{"an old version", AssetPrefix + "000000000000/graphiql/graphiql.min.js", http.StatusNotFound},
		{"no version", AssetPrefix + "graphiql/graphiql.min.js", http.StatusNotFound},
		{"unknown file", AssetPrefix + version + "/graphiql/nope.js", http.StatusNotFound},
		{"a directory", AssetPrefix + version + "/graphiql/", http.StatusNotFound},
		{"the page template", AssetPrefix + version + "/page.html", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := get(mux, tt.target).Code; got != tt.want {
				t.Errorf("GET %s: status %d; want %d", tt.target, got, tt.want)
			}
		})
	}
}

func TestAssetRevalidation(t *testing.T) {
	mux := newMux(Config{Endpoint: "/graphql"})
	target := AssetPrefix + version + "/playground.js"
	etag := get(mux, target).Header().Get("ETag")
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Header.Set("If-None-Match", etag)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	if etag == "" || rec.Code != http.StatusNotModified {
		t.Fatalf("GET %s with If-None-Match %s: status %d; want 304", target, etag, rec.Code)
	}
}

func TestTokenIsInThePageOnlyWhenGiven(t *testing.T) {
	const token = "header.payload.signature"
	tests := []struct {
		name      string
		token     string
		wantToken bool
	}{
		{"development", token, true},
		{"production", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := get(newMux(Config{Endpoint: "/graphql", Token: tt.token, DefaultQuery: "{ contacts { totalCount } }"}), "/")
			body := page.Body.String()
			if got := strings.Contains(body, token); got != tt.wantToken {
				t.Errorf("page contains the token: %v; want %v", got, tt.wantToken)
			}
			if !strings.Contains(body, "contacts { totalCount }") {
				t.Errorf("page lacks the default document")
			}
			if cc := page.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("page Cache-Control %q; want no-store", cc)
			}
			if csp := page.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self'") || !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("page Content-Security-Policy %q; want scripts and connections limited to the page's origin", csp)
			}
		})
	}
}

func TestSettingsCannotBreakOutOfTheirScript(t *testing.T) {
	page := get(newMux(Config{Endpoint: "/graphql", DefaultQuery: `</script><script>alert(1)</script>`}), "/")
	if strings.Contains(page.Body.String(), "<script>alert(1)") {
		t.Fatalf("the default document was written into the page unescaped:\n%s", page.Body)
	}
}
