// Package playground serves GraphiQL, with its explorer plugin, from files
// embedded in the binary: the page loads nothing from any other host, so
// it works offline and behind strict firewalls.
//
// The files under assets/ come from pinned npm packages (see
// scripts/playground-assets.sh and assets/VERSIONS, with each package's
// LICENSE beside its files); page.html, playground.js and playground.css are this
// project's own.
package playground

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed assets page.html playground.js playground.css
var files embed.FS

// AssetPrefix is the path under which the page's scripts and styles are
// served, followed by a version that changes with their content.
const AssetPrefix = "/playground/"

// contentSecurityPolicy lets the page run only its own scripts and talk
// only to its own origin: connect-src 'self' admits the WebSocket of
// subscriptions too, at ws: or wss: of the page's host. GraphiQL sets inline styles and uses data: URLs
// for its fonts and icons.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Config is what the page shows.
type Config struct {
	// Title is the page's title.
	Title string
	// Endpoint is the path of the GraphQL endpoint, such as "/graphql".
	Endpoint string
	// Token, when set, is filled into the Authorization header editor as
	// a bearer token: for development only.
	Token string
	// DefaultQuery is the document a first visit opens with.
	DefaultQuery string
}

// Mount serves the page at GET / and its assets under AssetPrefix.
func Mount(mux *http.ServeMux, cfg Config) {
	mux.Handle("GET /{$}", pageHandler(cfg))
	mux.Handle("GET "+AssetPrefix, http.StripPrefix(AssetPrefix+version+"/", http.HandlerFunc(serveAsset)))
}

// asset is an embedded file ready to serve.
type asset struct {
	body        []byte
	contentType string
	etag        string
	integrity   string
}

// assets are the embedded files by their path under AssetPrefix/version/,
// and version is a digest of all of them: a changed file gets new URLs,
// so browsers may cache every URL forever.
var assets, version = loadAssets()

func loadAssets() (map[string]*asset, string) {
	byPath := map[string]*asset{}
	all := sha256.New()
	add := func(name string, body []byte) {
		sum := sha256.Sum256(body)
		sri := sha512.Sum384(body)
		byPath[name] = &asset{
			body:        body,
			contentType: contentType(name),
			etag:        `"` + hex.EncodeToString(sum[:16]) + `"`,
			integrity:   "sha384-" + base64.StdEncoding.EncodeToString(sri[:]),
		}
		fmt.Fprintf(all, "%s %x\n", name, sum)
	}
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || name == "page.html" {
			return err
		}
		body, err := files.ReadFile(name)
		add(strings.TrimPrefix(name, "assets/"), body)
		return err
	})
	if err != nil {
		panic(fmt.Sprintf("playground: embedded files: %v", err))
	}
	return byPath, hex.EncodeToString(all.Sum(nil))[:12]
}

// contentType is the media type of an asset; files without a known
// extension (LICENSE, VERSIONS) are plain text.
func contentType(name string) string {
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "text/plain; charset=utf-8"
}

// serveAsset serves an embedded file with headers that let browsers keep
// it for a year without asking again.
func serveAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := assets[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", a.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}

var page = template.Must(template.New("page.html").Funcs(template.FuncMap{
	"asset":     assetURL,
	"integrity": func(name string) string { return assets[name].integrity },
}).ParseFS(files, "page.html"))

// assetURL returns the URL of an embedded file. An unknown name fails the
// rendering of the page, which happens when the handler is built.
func assetURL(name string) (string, error) {
	if _, ok := assets[name]; !ok {
		return "", fmt.Errorf("playground: no embedded file %q", name)
	}
	return AssetPrefix + version + "/" + name, nil
}

// pageSettings are what playground.js reads from the page.
type pageSettings struct {
	Endpoint     string `json:"endpoint"`
	Token        string `json:"token,omitempty"`
	DefaultQuery string `json:"defaultQuery"`
}

// pageHandler renders the page once; it changes only with cfg.
func pageHandler(cfg Config) http.Handler {
	var buf bytes.Buffer
	err := page.Execute(&buf, map[string]any{
		"Title":    cfg.Title,
		"Settings": pageSettings{Endpoint: cfg.Endpoint, Token: cfg.Token, DefaultQuery: cfg.DefaultQuery},
	})
	if err != nil {
		panic(fmt.Sprintf("playground: render page: %v", err))
	}
	body := buf.Bytes()
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		// The page may hold a development token: keep it out of caches.
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		w.Write(body)
	})
}
