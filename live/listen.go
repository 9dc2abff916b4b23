package live

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Channel is the channel on which PostgreSQL notifies of committed
// events, with their workspace's id as payload: the events table's
// trigger events_notify sends them (db/migrations).
const Channel = "contacts_events"

// Listen listens on Channel through a connection of its own to the
// database at url and wakes hub's feeds of the workspaces notified, until
// ctx ends. A lost connection is made again, after a pause that grows to
// maxPause; then every feed reads, for the notifications missed meanwhile.
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

// listenOnce listens on one connection until it fails; listening calls
// once the connection listens.
func listenOnce(ctx context.Context, url string, hub *Hub, listening func()) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return err
	}
	listening()
	hub.WakeAll()
	for {
		n, err := conn.WaitForNotification(ctx)
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
