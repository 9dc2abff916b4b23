// Package live serves GraphQL subscriptions: a Hub fans the change events
// of each workspace out to the process's subscribers, woken by the
// notifications that PostgreSQL sends when events commit (Listen), so that
// a change written through any process reaches the subscribers of every
// process.
package live

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/events"
	"github.com/contacts-api/contacts/service"
)

// Limits bound the subscriptions of one process.
type Limits struct {
	// PerConnection is how many subscriptions one WebSocket connection
	// may run at once.
	PerConnection int
	// PerWorkspace is how many subscriptions one workspace may run at
	// once in this process.
	PerWorkspace int
	// Buffer is how many events wait for a subscriber that has not
	// taken them; one more, and its connection is closed.
	Buffer int
}

// DefaultLimits are the limits of a process unless configured.
var DefaultLimits = Limits{PerConnection: 20, PerWorkspace: 500, Buffer: 256}

// Hub fans each workspace's events out to its subscribers in this
// process. It reads a workspace's events once for all of them, under
// the workspace's row-level security, when Wake says it has new ones.
type Hub struct {
	svc    *service.Service
	limits Limits

	mu    sync.Mutex
	feeds map[uuid.UUID]*feed
	// watched tells Listen that the hub gained its first feed or lost its
	// last: it listens only while some workspace has subscribers.
	watched chan struct{}
}

// NewHub returns a hub that reads events through svc; zero limits take
// DefaultLimits'.
func NewHub(svc *service.Service, limits Limits) *Hub {
	if limits.PerConnection <= 0 {
		limits.PerConnection = DefaultLimits.PerConnection
	}
	if limits.PerWorkspace <= 0 {
		limits.PerWorkspace = DefaultLimits.PerWorkspace
	}
	if limits.Buffer <= 0 {
		limits.Buffer = DefaultLimits.Buffer
	}
	return &Hub{svc: svc, limits: limits, feeds: map[uuid.UUID]*feed{}, watched: make(chan struct{}, 1)}
}

// feed is one workspace's subscribers, and the reader that serves them.
type feed struct {
	ws   uuid.UUID
	subs map[*subscriber]struct{}
	// wake holds a pending wake-up: wake-ups that come while the reader
	// reads fold into one more read.
	wake  chan struct{}
	ready chan struct{} // closed once the reader knows where to start
	stop  context.CancelFunc
}

type subscriber struct {
	ctx  context.Context
	keep Filter
	out  chan *db.Event
	conn *Connection
}

// Filter selects the events a subscriber gets.
type Filter struct {
	// Types keeps the events of these types; all types when empty.
	Types []events.Type
	// RecordIDs keeps the events of these records; all when empty.
	RecordIDs []string
}

// keeps reports whether the subscriber of ctx gets e: it asked for it,
// and its credential may see it (api_key events need keys:admin).
func (f Filter) keeps(ctx context.Context, e *db.Event) bool {
	t := events.Type(e.Type)
	return (len(f.Types) == 0 || slices.Contains(f.Types, t)) &&
		(len(f.RecordIDs) == 0 || slices.Contains(f.RecordIDs, e.RecordID)) &&
		service.CanSee(ctx, t)
}

// Subscribe returns the events of the caller's workspace that f keeps,
// written from now on, until ctx ends; then the channel is closed. It
// refuses a subscription past the limits of the caller's connection (see
// WithConnection) or workspace with LIMIT_EXCEEDED. A subscriber that
// leaves more than Limits.Buffer events untaken loses its subscription,
// and its connection is closed as too slow.
func (h *Hub) Subscribe(ctx context.Context, f Filter) (<-chan *db.Event, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return nil, &service.Error{Code: service.CodeUnauthenticated, Message: "Subscriptions need a credential in connection_init."}
	}
	conn := connectionKey.Value(ctx)
	if !conn.take(h.limits.PerConnection) {
		return nil, limitExceeded("This connection runs %d subscriptions, the most one may run; end one first.", h.limits.PerConnection)
	}
	s := &subscriber{ctx: ctx, keep: f, out: make(chan *db.Event, h.limits.Buffer), conn: conn}
	h.mu.Lock()
	fd := h.feeds[p.WorkspaceID]
	if fd == nil {
		fd = h.start(p.WorkspaceID)
	}
	if len(fd.subs) >= h.limits.PerWorkspace {
		h.mu.Unlock()
		conn.give()
		return nil, limitExceeded("This workspace runs %d subscriptions on this server, the most it may; end one first.", h.limits.PerWorkspace)
	}
	fd.subs[s] = struct{}{}
	h.mu.Unlock()
	go func() {
		<-ctx.Done()
		h.remove(fd, s)
	}()
	// Events from now on: wait until the reader knows where now is.
	select {
	case <-fd.ready:
	case <-ctx.Done():
	}
	return s.out, nil
}

func limitExceeded(format string, args ...any) error {
	return &service.Error{Code: string(service.LimitExceeded), Message: fmt.Sprintf(format, args...)}
}

// start begins serving the feed of workspace ws; h.mu is held.
func (h *Hub) start(ws uuid.UUID) *feed {
	ctx, stop := context.WithCancel(context.Background())
	fd := &feed{ws: ws, subs: map[*subscriber]struct{}{}, wake: make(chan struct{}, 1), ready: make(chan struct{}), stop: stop}
	h.feeds[ws] = fd
	if len(h.feeds) == 1 {
		h.watchedChanged()
	}
	go h.serve(ctx, fd)
	return fd
}

// remove ends subscriber s of fd, if it still runs, and the feed with its
// last subscriber.
func (h *Hub) remove(fd *feed, s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.removeLocked(fd, s)
}

func (h *Hub) removeLocked(fd *feed, s *subscriber) {
	if _, ok := fd.subs[s]; !ok {
		return
	}
	delete(fd.subs, s)
	close(s.out)
	s.conn.give()
	if len(fd.subs) == 0 && h.feeds[fd.ws] == fd {
		delete(h.feeds, fd.ws)
		fd.stop()
		if len(h.feeds) == 0 {
			h.watchedChanged()
		}
	}
}

// watchedChanged tells Listen to look at watching again; h.mu is held.
func (h *Hub) watchedChanged() {
	select {
	case h.watched <- struct{}{}:
	default: // Listen has yet to take the last change, and will look then
	}
}

// watching says whether some workspace has subscribers in this process.
func (h *Hub) watching() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.feeds) > 0
}

// Wake tells the hub that workspace ws has new events.
func (h *Hub) Wake(ws uuid.UUID) {
	h.mu.Lock()
	fd := h.feeds[ws]
	h.mu.Unlock()
	if fd != nil {
		fd.poke()
	}
}

// WakeAll has every feed read, as after notifications may have been
// missed.
func (h *Hub) WakeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, fd := range h.feeds {
		fd.poke()
	}
}

func (fd *feed) poke() {
	select {
	case fd.wake <- struct{}{}:
	default:
	}
}

// retryRead is how long a feed waits after a failed read.
const retryRead = time.Second

// serve reads the workspace's new events each time the feed is woken and
// hands them to its subscribers, until ctx ends.
//
// Transactions commit in another order than they take ids, so a read
// cannot start after the last event it saw: a slower transaction may
// commit an earlier one later. Each read starts at the oldest
// transaction that was still running before the previous read (every
// event committed since has that id or a later one), and skips the
// events it already handed out.
func (h *Hub) serve(ctx context.Context, fd *feed) {
	var from string
	for ctx.Err() == nil {
		var err error
		if _, from, err = h.svc.EventsFrom(ctx, fd.ws, ""); err == nil {
			break
		}
		h.readFailed(ctx, fd, err)
	}
	close(fd.ready)
	handed := map[string]uint64{} // event id: its transaction's
	for {
		select {
		case <-ctx.Done():
			return
		case <-fd.wake:
		}
		evs, next, err := h.svc.EventsFrom(ctx, fd.ws, from)
		if err != nil {
			h.readFailed(ctx, fd, err)
			fd.poke()
			continue
		}
		var fresh []*db.Event
		for _, e := range evs {
			if _, ok := handed[e.ID]; !ok {
				fresh = append(fresh, e)
				handed[e.ID] = txid(e.TxID)
			}
		}
		// The next read starts at next: forget the events before it only
		// now, after this read (from an older start) was checked.
		horizon := txid(next)
		for id, tx := range handed {
			if tx < horizon {
				delete(handed, id)
			}
		}
		h.hand(fd, fresh)
		from = next
	}
}

func (h *Hub) readFailed(ctx context.Context, fd *feed, err error) {
	if ctx.Err() != nil {
		return
	}
	slog.WarnContext(ctx, "live: read events", "workspace", fd.ws, "error", err)
	select {
	case <-ctx.Done():
	case <-time.After(retryRead):
	}
}

// hand gives each subscriber of fd the events it keeps, without waiting:
// a subscriber whose buffer is full is ended, and its connection closed.
func (h *Hub) hand(fd *feed, evs []*db.Event) {
	if len(evs) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range fd.subs {
		for _, e := range evs {
			if !s.keep.keeps(s.ctx, e) {
				continue
			}
			select {
			case s.out <- e:
				continue
			default:
			}
			slog.WarnContext(s.ctx, "live: a subscriber does not keep up; closing its connection", "workspace", fd.ws, "buffer", h.limits.Buffer)
			h.removeLocked(fd, s)
			s.conn.tooSlow()
			break
		}
	}
}

// txid reads a transaction id (xid8) written as text.
func txid(s string) uint64 {
	n, _ := strconv.ParseUint(s, 10, 64)
	return n
}
