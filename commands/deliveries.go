package commands

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/webhooks"
)

// startWebhooks starts the delivery of webhooks: its relay and River's
// workers, on pools of their own as DATABASE_URL's role (the relay's
// policy admits it; River's tables are its). The returned stop waits for
// the deliveries in flight, up to timeout, and closes the pools.
func startWebhooks(ctx context.Context, cfg config, store *db.Store) (stop func(), err error) {
	owner, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	pool, err := pgxpool.New(ctx, cfg.DatabaseURL)
	if err != nil {
		owner.Close()
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	d, err := webhooks.New(store, owner, pool, webhooks.Config{
		AllowPrivate: cfg.WebhookAllowPrivate, Workers: cfg.WebhookWorkers, RelayEvery: 200 * time.Millisecond,
	})
	if err == nil {
		err = d.Start(context.WithoutCancel(ctx))
	}
	if err != nil {
		pool.Close()
		owner.Close()
		return nil, err
	}
	return func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), webhooks.Timeout+time.Second)
		defer cancel()
		d.Stop(stopCtx)
		pool.Close()
		owner.Close()
	}, nil
}
