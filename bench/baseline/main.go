// Command baseline is the benchmark's floor: a plain net/http server that
// answers the benchmark's read cases with the same rows, fetched by as
// many hand-written SQL statements as the GraphQL server runs, encoded
// into the same JSON by encoding/json. What the GraphQL server costs on top
// of this is what its layers (gqlgen, Bun, the dataloaders) cost.
//
//	GET /contact?id=contact_…               like contact(id:) with 10 fields
//	GET /contacts?first=100&after=<cursor>  like a page of contacts with
//	                                        account, accounts, phones, portalRole
//
// It reads DATABASE_URL, JWT_SECRET and ADDR, and checks tokens like the
// server does. It is a benchmark tool, not part of the service.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/contacts-api/contacts/auth"
)

func main() {
	if err := run(); err != nil {
		log.Fatal("baseline: ", err)
	}
}

func run() error {
	verifier, err := auth.NewVerifier(auth.Config{Secret: []byte(os.Getenv("JWT_SECRET"))})
	if err != nil {
		return err
	}
	sqldb, err := sql.Open("pgx", os.Getenv("DATABASE_URL"))
	if err != nil {
		return err
	}
	defer sqldb.Close()
	// The same pool as the server's (db.Open).
	sqldb.SetMaxOpenConns(20)
	sqldb.SetMaxIdleConns(20)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)

	s := &server{db: sqldb}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	mux.Handle("GET /contact", s.authenticated(verifier, s.contact))
	mux.Handle("GET /contacts", s.authenticated(verifier, s.contacts))
	srv := &http.Server{
		Addr:              os.Getenv("ADDR"),
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

type server struct {
	db *sql.DB
}

// handler answers a request of the token's workspace.
type handler func(w http.ResponseWriter, r *http.Request, ws uuid.UUID) error

// authenticated checks the bearer token, as the GraphQL server does, and
// turns a handler's error into a 500.
func (s *server) authenticated(v *auth.Verifier, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		p, err := v.Verify(token)
		if !ok || err != nil {
			http.Error(w, `{"errors":[{"message":"unauthenticated"}]}`, http.StatusUnauthorized)
			return
		}
		if err := h(w, r, p.WorkspaceID); err != nil {
			log.Printf("%s: %v", r.URL, err)
			http.Error(w, `{"errors":[{"message":"internal"}]}`, http.StatusInternalServerError)
		}
	})
}

// writeData writes {"data": {name: value}} as GraphQL would.
func writeData(w http.ResponseWriter, name string, value any) error {
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(map[string]map[string]any{"data": {name: value}})
}

// fail reports a bad request.
func fail(w http.ResponseWriter, format string, args ...any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	return json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"message": fmt.Sprintf(format, args...)}}})
}

func intParam(r *http.Request, name string, fallback int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return fallback, nil
	}
	return strconv.Atoi(v)
}
