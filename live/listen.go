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
// process would have no one to tell; and writers notify only while some
// process listens (see listenIf).
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
	listening := false
	defer func() {
		if listening {
			// Writers stop notifying as soon as no process listens.
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			listenIf(stopCtx, conn, false)
			cancel()
		}
		conn.Close(context.WithoutCancel(ctx))
	}()
	// The rows of listeners that died (a process killed or cut off) make
	// every writer notify for no one.
	if _, err := conn.Exec(ctx, forgetGone); err != nil {
		return err
	}
	connected()
	// The writers that may have looked for listeners before this one
	// registered: they commit their events without a notification.
	var unaware []string
	for {
		if want := hub.watching(); want != listening {
			if unaware, err = listenIf(ctx, conn, want); err != nil {
				return err
			}
			listening = want
			if listening {
				// What was committed before LISTEN took effect.
				hub.WakeAll()
			}
		}
		if len(unaware) > 0 {
			if unaware, err = stillRunning(ctx, conn, unaware); err != nil {
				return err
			}
			if len(unaware) == 0 {
				// What they committed unnotified.
				hub.WakeAll()
			}
		}
		var poll time.Duration
		if len(unaware) > 0 {
			poll = pollUnaware
		}
		n, err := waitForNotification(ctx, conn, hub.watched, poll)
		if errors.Is(err, errWatchedChanged) || errors.Is(err, errPollDue) {
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

// pollUnaware is how often a new listener looks whether the writers that
// did not know of it have ended: they are a mutation's transactions,
// which end within milliseconds.
const pollUnaware = 20 * time.Millisecond

// forgetGone deletes the rows of listeners whose connection is gone.
const forgetGone = "DELETE FROM event_listeners WHERE pid NOT IN (SELECT pid FROM pg_stat_activity)"

// listenIf starts or stops listening on Channel. The function
// insert_events notifies only while event_listeners holds a listener
// (db/migrations), so a listener registers there as it listens, and
// deletes its row as it stops. It returns, when it starts, the
// transactions running once it is registered: the writers among them
// may have looked for listeners before it, and their events must be
// read again once they have ended.
func listenIf(ctx context.Context, conn *pgx.Conn, listen bool) (unaware []string, err error) {
	statement := "BEGIN; DELETE FROM event_listeners WHERE pid = pg_backend_pid(); UNLISTEN " + Channel + "; COMMIT"
	if listen {
		statement = "BEGIN; " + forgetGone + "; INSERT INTO event_listeners (pid) VALUES (pg_backend_pid()) ON CONFLICT (pid) DO NOTHING; LISTEN " + Channel + "; COMMIT"
	}
	if _, err := conn.Exec(ctx, statement); err != nil || !listen {
		return nil, err
	}
	err = conn.QueryRow(ctx, "SELECT coalesce(array_agg(x::text), '{}') FROM pg_snapshot_xip(pg_current_snapshot()) AS x").Scan(&unaware)
	return unaware, err
}

// stillRunning returns the transactions among xids that have not ended.
func stillRunning(ctx context.Context, conn *pgx.Conn, xids []string) (running []string, err error) {
	err = conn.QueryRow(ctx, "SELECT coalesce(array_agg(x::text), '{}') FROM unnest($1::xid8[]) AS x WHERE pg_xact_status(x) = 'in progress'", xids).Scan(&running)
	return running, err
}

// errWatchedChanged ends a wait for a notification when the hub gained
// its first subscriber or lost its last.
var errWatchedChanged = errors.New("live: the hub's subscribers changed")

// errPollDue ends a wait for a notification after its poll interval.
var errPollDue = errors.New("live: time to poll")

// waitForNotification waits for a notification on conn, until ctx ends,
// watched is signalled or poll (when not 0) has passed; the connection
// stays usable after the latter two.
func waitForNotification(ctx context.Context, conn *pgx.Conn, watched <-chan struct{}, poll time.Duration) (*pgconn.Notification, error) {
	waitCtx, cancel := context.WithCancel(ctx)
	if poll > 0 {
		waitCtx, cancel = context.WithTimeout(ctx, poll)
	}
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
	if err == nil || ctx.Err() != nil {
		return n, err
	}
	select {
	case <-changed:
		return nil, errWatchedChanged
	default:
	}
	if errors.Is(waitCtx.Err(), context.DeadlineExceeded) {
		return nil, errPollDue
	}
	return nil, err
}
