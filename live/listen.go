package live

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Channel is the channel on which PostgreSQL notifies of committed
// events, with their workspace's id as payload: the function
// insert_events, which writes them, sends them (db/migrations).
const Channel = "contacts_events"

// Listen listens on Channel through a connection of its own to the
// database at url and wakes hub's feeds of the workspaces notified, until
// ctx ends. A lost connection is made again, after a pause that grows to
// maxPause; then every feed reads, for the notifications missed meanwhile.
// The connection listens only while hub has subscribers: PostgreSQL
// wakes every listening connection for every committed write, whose
// process would have no one to tell.
func Listen(ctx context.Context, url string, hub *Hub) {
	pause := minPause
	for ctx.Err() == nil {
		err := listenOnce(ctx, url, hub, func() { pause = minPause })
		if ctx.Err() != nil {
			return
		}
		slog.WarnContext(ctx, "live: listening for events failed; trying again", "error", err, "in", pause)
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, maxPause)
	}
}

const (
	minPause = 100 * time.Millisecond
	maxPause = 5 * time.Second
)

// listenOnce listens on one connection until it fails; connected is
// called once it is made.
func listenOnce(ctx context.Context, url string, hub *Hub, connected func()) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	connected()
	listening := false
	for {
		if want := hub.watching(); want != listening {
			if err := listenIf(ctx, conn, want); err != nil {
				return err
			}
			listening = want
			if listening {
				// What was committed before LISTEN took effect.
				hub.WakeAll()
			}
		}
		n, err := waitForNotification(ctx, conn, hub.watched)
		if errors.Is(err, errWatchedChanged) {
			continue
		}
		if err != nil {
			return err
		}
		ws, err := uuid.Parse(n.Payload)
		if err != nil {
			slog.WarnContext(ctx, "live: a notification without a workspace", "payload", n.Payload)
			continue
		}
		hub.Wake(ws)
	}
}

// listenIf starts or stops listening on Channel.
func listenIf(ctx context.Context, conn *pgx.Conn, listen bool) error {
	statement := "UNLISTEN " + Channel
	if listen {
		statement = "LISTEN " + Channel
	}
	_, err := conn.Exec(ctx, statement)
	return err
}

// errWatchedChanged ends a wait for a notification when the hub gained
// its first subscriber or lost its last.
var errWatchedChanged = errors.New("live: the hub's subscribers changed")

// waitForNotification waits for a notification on conn, until ctx ends
// or watched is signalled; the connection stays usable after the latter.
func waitForNotification(ctx context.Context, conn *pgx.Conn, watched <-chan struct{}) (*pgconn.Notification, error) {
	waitCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	changed := make(chan struct{})
	go func() {
		select {
		case <-watched:
			close(changed)
			cancel()
		case <-waitCtx.Done():
		}
	}()
	n, err := conn.WaitForNotification(waitCtx)
	cancel()
	select {
	case <-changed:
		if err != nil && ctx.Err() == nil {
			return nil, errWatchedChanged
		}
	default:
	}
	return n, err
}
