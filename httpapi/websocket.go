package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/ctxkey"
	"github.com/contacts-api/contacts/graph/request"
	"github.com/contacts-api/contacts/live"
)

// The close codes of subscriptions' connections, beside those of the
// graphql-transport-ws protocol (4400 for a message out of place, 4408
// for no connection_init in time).
const (
	// CloseForbidden: connection_init carried no valid credential.
	CloseForbidden = 4403
	// CloseTooManyFailures: the client's address failed to authenticate
	// too often; it may try again after a minute.
	CloseTooManyFailures = 4429
	// CloseUnavailable: the credential could not be checked (the
	// database did not answer); try again.
	CloseUnavailable = 4503
	// CloseTooSlow: a subscription fell more than SUBSCRIPTION_BUFFER
	// events behind; catch up with the change feed, then subscribe again.
	CloseTooSlow = 4008
)

const (
	// initTimeout is how long a connection may wait before connection_init.
	initTimeout = 10 * time.Second
	// pingEvery is how often the server pings a connection; one that has
	// not answered within twice that is closed.
	pingEvery = 25 * time.Second
	// slowGrace is how long a connection closed as too slow has to take
	// its close frame before its socket is cut.
	slowGrace = 5 * time.Second
)

// isWebSocket reports whether r asks to become a WebSocket.
func isWebSocket(r *http.Request) bool {
	for _, v := range r.Header.Values("Upgrade") {
		if strings.EqualFold(strings.TrimSpace(v), "websocket") {
			return true
		}
	}
	return false
}

// socket is one WebSocket connection's state, which the handler, the
// transport's accept and init, and the live hub share.
type socket struct {
	client netip.Prefix

	mu     sync.Mutex
	conn   transport.WebsocketConn
	cancel context.CancelFunc
	code   int
	reason string
}

// socketKey holds the socket of a WebSocket connection's context.
var socketKey = ctxkey.New[*socket]("httpapi.socket")

// closeAs closes the connection with code and reason: it ends the
// connection's context, on which gqlgen closes it (writeClose then puts
// code in). A connection whose peer does not read cannot take the close
// frame: its socket is cut after slowGrace.
func (s *socket) closeAs(code int, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.code != 0 || s.cancel == nil {
		return
	}
	s.code, s.reason = code, reason
	s.cancel()
	conn := s.conn
	time.AfterFunc(slowGrace, func() { conn.Close() })
}

// closeCode returns the code and reason to close with instead of code
// and reason.
func (s *socket) closeCode(code int, reason string) (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.code != 0 {
		return s.code, s.reason
	}
	return code, reason
}

// serveWebSockets returns the handler of /graphql's WebSocket requests,
// which srv serves with the transport of newWebSocketTransport. Browsers
// send no Authorization header with a WebSocket, and any page may open
// one: the credential comes in connection_init, and a page's origin must
// be the API's own or one CORS_ALLOWED_ORIGINS allows.
func serveWebSockets(opts Options, failures *authFailures, srv http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && !sameOrigin(r, origin) && !opts.AllowedOrigins.Allows(origin) {
			http.Error(w, "This origin may not open WebSockets to the API (CORS_ALLOWED_ORIGINS).\n", http.StatusForbidden)
			return
		}
		s := &socket{client: failures.client(r)}
		ctx := socketKey.With(r.Context(), s)
		ctx = live.WithConnection(ctx, live.NewConnection(func() {
			s.closeAs(CloseTooSlow, "subscriber too slow: read the change feed, then subscribe again")
		}))
		srv.ServeHTTP(w, r.WithContext(ctx))
	})
}

// sameOrigin reports whether origin is the API's own: a page it serves,
// such as the playground.
func sameOrigin(r *http.Request, origin string) bool {
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// newWebSocketTransport returns the graphql-transport-ws transport (and
// graphql-ws's, its predecessor), whose connection_init authenticates as
// the Authorization or X-API-Key header does, counted against the
// client's failed authentications.
func newWebSocketTransport(opts Options, failures *authFailures) transport.Websocket {
	readLimit := opts.Limits.MaxBodyBytes
	return transport.Websocket{
		Implementation: socketAcceptor{transport.CoderWebsocketImplementation{
			// serveWebSockets checks the origin.
			AcceptOptions: coderws.AcceptOptions{InsecureSkipVerify: true},
		}},
		InitTimeout:      initTimeout,
		PingPongInterval: pingEvery,
		PayloadReadLimit: &readLimit,
		InitFunc: func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			s := socketKey.Value(ctx)
			ctx, cancel := context.WithCancel(ctx)
			s.mu.Lock()
			s.cancel = cancel
			s.mu.Unlock()
			p, code, err := authenticateSocket(ctx, opts, failures, s.client, payload)
			if err != nil {
				return transport.AppendCloseReason(transport.WithWebsocketCloseCode(ctx, code), err.Error()), nil, err
			}
			request.Of(ctx).SetPrincipal(p)
			return request.Detach(auth.WithPrincipal(ctx, p)), nil, nil
		},
	}
}

// authenticateSocket returns the caller of connection_init's payload, or
// the close code and reason of its refusal.
func authenticateSocket(ctx context.Context, opts Options, failures *authFailures, client netip.Prefix, payload transport.InitPayload) (*auth.Principal, int, error) {
	header := http.Header{}
	for name, v := range payload {
		if s, ok := v.(string); ok {
			header.Set(name, s)
		}
	}
	token, problem := credentialOfHeader(header)
	if problem != "" {
		return nil, CloseForbidden, errors.New(problem)
	}
	if _, over := failures.over(client); over && auth.IsAPIKey(token) {
		return nil, CloseTooManyFailures, refusal("Too many failed authentications from this address; retry in a minute.")
	}
	p, err := principalOf(ctx, opts, token)
	switch {
	case errors.Is(err, auth.ErrUnauthenticated):
		slog.InfoContext(ctx, "token refused", "request_id", request.ID(ctx), "reason", err, "client", client.String())
		if _, over := failures.count(client); over {
			return nil, CloseTooManyFailures, refusal("Too many failed authentications from this address; retry in a minute.")
		}
		return nil, CloseForbidden, refusal("The token is not valid.")
	case err != nil:
		slog.ErrorContext(ctx, "authenticate a WebSocket", "request_id", request.ID(ctx), "error", err)
		return nil, CloseUnavailable, refusal("The credential could not be checked; try again.")
	case !p.Can(auth.ScopeRead):
		// Every subscription needs it: refuse the connection at once.
		return nil, CloseForbidden, refusal("Subscriptions need the contacts:read scope.")
	}
	return p, 0, nil
}

// refusal is why connection_init was refused: the close frame's reason,
// written for the client.
type refusal string

func (r refusal) Error() string { return string(r) }

// socketAcceptor accepts WebSockets as gqlgen's coder/websocket adapter
// does, with connections that close with the socket's own close code
// when it has one (see socket.closeAs).
type socketAcceptor struct {
	transport.CoderWebsocketImplementation
}

// Accept accepts r's WebSocket.
func (a socketAcceptor) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	conn, err := a.CoderWebsocketImplementation.Accept(w, r, opts)
	if err != nil {
		return nil, err
	}
	s := socketKey.Value(r.Context())
	s.mu.Lock()
	s.conn = conn
	s.mu.Unlock()
	return &socketConn{WebsocketConn: conn, socket: s}, nil
}

// socketConn is a WebSocket that closes with its socket's close code.
type socketConn struct {
	transport.WebsocketConn
	socket *socket
}

// WriteClose closes with the socket's code, if it has one, else code.
func (c *socketConn) WriteClose(code int, reason string) error {
	return c.WebsocketConn.WriteClose(c.socket.closeCode(code, reason))
}

// SetReadLimit passes the transport's read limit on.
func (c *socketConn) SetReadLimit(limit int64) {
	c.WebsocketConn.(transport.WebsocketReadLimiter).SetReadLimit(limit)
}

// SetReadDeadline passes the transport's pong deadline on.
func (c *socketConn) SetReadDeadline(t time.Time) error {
	return c.WebsocketConn.(transport.WebsocketReadDeadliner).SetReadDeadline(t)
}
