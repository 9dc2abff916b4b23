package webhooks

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/periodic"
)

// queue is River's queue of webhook deliveries.
const queue = "webhooks"

// Limits of deliveries.
const (
	// responseBytes is how much of an answer's body a delivery keeps.
	responseBytes = 1024
	// drainBytes is how much more of a body is read so that its
	// connection can be used again.
	drainBytes = 64 << 10
	// DisableAfter is how long an endpoint may fail without a success
	// between before it is disabled.
	DisableAfter = 5 * 24 * time.Hour
	// relayBatch is how many deliveries the relay hands over at once.
	relayBatch = 500
	// fetchCooldown is the least time between two fetches of jobs by a
	// process's workers.
	fetchCooldown = 10 * time.Millisecond
	// jobTimeout bounds a delivery job: its request and its bookkeeping.
	jobTimeout = Timeout + 5*time.Second
)

// Config configures a Deliverer.
type Config struct {
	// AllowPrivate lets deliveries connect to private and loopback
	// addresses (WEBHOOK_ALLOW_PRIVATE), for tests and development.
	AllowPrivate bool
	// Workers is how many deliveries a process sends at once.
	Workers int
	// RelayEvery is how often the relay looks for new deliveries.
	RelayEvery time.Duration
}

// Deliverer sends the webhook deliveries of every workspace. The
// deliveries are written with their events (db.InsertEvents); its relay
// hands them to River's queue in transactions that mark them handed over,
// and River's workers, in any number of processes, send them, retry them
// and rescue those of a process that died.
type Deliverer struct {
	store  *db.Store
	owner  *bun.DB
	insert *river.Client[*sql.Tx]
	work   *river.Client[pgx.Tx]
	client *http.Client
	every  time.Duration
	// stopRelay ends the relay's ticks; nil before Start.
	stopRelay context.CancelFunc
}

// deliveryArgs are a delivery job's arguments.
type deliveryArgs struct {
	WorkspaceID uuid.UUID `json:"workspace_id"`
	DeliveryID  string    `json:"delivery_id"`
}

// Kind names the kind of job.
func (deliveryArgs) Kind() string { return "webhook_delivery" }

// InsertOpts are the job's queue and attempts: the first and Retries.
func (deliveryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queue, MaxAttempts: Retries + 1}
}

// New returns a Deliverer that reads and writes deliveries through store,
// relays them in transactions of owner (a pool whose role the relay's
// row-level security policy admits) and works them on pool.
func New(store *db.Store, owner *bun.DB, pool *pgxpool.Pool, cfg Config) (*Deliverer, error) {
	d := &Deliverer{store: store, owner: owner, client: NewClient(cfg.AllowPrivate, cfg.Workers), every: cfg.RelayEvery}
	workers := river.NewWorkers()
	river.AddWorker(workers, &worker{d: d})
	logger := slog.Default()
	var err error
	d.work, err = river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:  map[string]river.QueueConfig{queue: {MaxWorkers: cfg.Workers}},
		Workers: workers,
		// A delivery runs Timeout at most: one running much longer was
		// claimed by a process that died, and is retried.
		JobTimeout:           jobTimeout,
		RescueStuckJobsAfter: jobTimeout + 15*time.Second,
		// The relay's inserts notify the workers; a poll catches a
		// notification lost.
		FetchPollInterval: time.Second,
		// A fetch takes at most as many jobs as there are free workers,
		// and River's default 100 ms between fetches would cap a process
		// at ten times Workers deliveries/s (500/s by default), whatever
		// else is free (make bench-webhooks).
		FetchCooldown: fetchCooldown,
		Logger:        logger,
	})
	if err != nil {
		return nil, fmt.Errorf("webhook workers: %w", err)
	}
	d.insert, err = river.NewClient(riverdatabasesql.New(owner.DB), &river.Config{Workers: workers, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("webhook relay: %w", err)
	}
	return d, nil
}

// Start starts the workers and the relay; they run until Stop.
func (d *Deliverer) Start(ctx context.Context) error {
	if err := d.work.Start(ctx); err != nil {
		return fmt.Errorf("start webhook workers: %w", err)
	}
	ticks, stop := context.WithCancel(ctx)
	d.stopRelay = stop
	// Stop ends the ticks but cuts no pass short: a pass under way runs
	// on ctx and finishes.
	go periodic.Run(ticks, d.every, nil, func(context.Context) { d.relay(ctx) })
	return nil
}

// Stop stops the relay, and the workers once the deliveries they send
// end, or ctx does.
func (d *Deliverer) Stop(ctx context.Context) error {
	if d.stopRelay != nil {
		d.stopRelay()
	}
	return d.work.Stop(ctx)
}

// relay hands the new deliveries to the queue, relayBatch at a time until
// none are left.
func (d *Deliverer) relay(ctx context.Context) {
	for {
		n, err := d.relayOnce(ctx)
		if err != nil && ctx.Err() == nil {
			slog.WarnContext(ctx, "relay webhook deliveries", "error", err)
		}
		if err != nil || n < relayBatch {
			return
		}
	}
}

// relayOnce hands up to relayBatch deliveries to the queue, in one
// transaction: each is marked handed over exactly when its job exists.
func (d *Deliverer) relayOnce(ctx context.Context) (int, error) {
	n := 0
	err := d.owner.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		pending, err := db.ClaimPendingDeliveries(ctx, tx, relayBatch)
		if err != nil || len(pending) == 0 {
			return err
		}
		jobs := make([]river.InsertManyParams, len(pending))
		for i, p := range pending {
			jobs[i] = river.InsertManyParams{Args: deliveryArgs{WorkspaceID: p.WorkspaceID, DeliveryID: p.ID}}
		}
		n = len(pending)
		_, err = d.insert.InsertManyFastTx(ctx, tx.Tx, jobs)
		return err
	})
	return n, err
}

// worker sends one delivery per job.
type worker struct {
	river.WorkerDefaults[deliveryArgs]
	d *Deliverer
}

// NextRetry follows the retry schedule.
func (w *worker) NextRetry(job *river.Job[deliveryArgs]) time.Time {
	return time.Now().Add(RetryDelay(job.Attempt))
}

// Work sends the delivery.
func (w *worker) Work(ctx context.Context, job *river.Job[deliveryArgs]) error {
	return w.d.attempt(ctx, job.Args.WorkspaceID, job.Args.DeliveryID, job.Attempt >= job.MaxAttempts)
}

// errGone ends the retries of a delivery whose endpoint, event or
// delivery no longer exists or is disabled.
var errGone = errors.New("nothing to deliver")

// payload is a delivery's body, in the form the specification suggests.
type payload struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      EventData `json:"data"`
}

// EventData is an event as webhook payloads carry it: the fields of the
// GraphQL type Event (which the API's tests decode its events into), the
// type written with a dot.
type EventData struct {
	ID         string           `json:"id"`
	Type       string           `json:"type"`
	RecordID   string           `json:"recordId"`
	ExternalID *string          `json:"externalId"`
	Version    *int             `json:"version"`
	Changes    []db.FieldChange `json:"changes"`
	Actor      string           `json:"actor"`
	RequestID  *string          `json:"requestId"`
	OccurredAt time.Time        `json:"occurredAt"`
}

// Body returns the body of an event's deliveries.
func Body(e *db.Event) ([]byte, error) {
	return json.Marshal(payload{Type: e.Type, Timestamp: e.OccurredAt, Data: EventData{
		ID: e.ID, Type: e.Type, RecordID: e.RecordID, ExternalID: e.ExternalID, Version: e.Version,
		Changes: e.Changes, Actor: e.Actor, RequestID: e.RequestID, OccurredAt: e.OccurredAt,
	}})
}

// attempt sends delivery id of workspace ws once and records how it went;
// last says no retry follows a failure.
func (d *Deliverer) attempt(ctx context.Context, ws uuid.UUID, id string, last bool) error {
	delivery, err := d.store.DeliveryToSend(ctx, ws, id)
	switch {
	case err != nil:
		return err
	case delivery == nil || delivery.Endpoint.DisabledAt != nil:
		return river.JobCancel(errGone)
	case delivery.Status == db.DeliverySucceeded:
		return nil
	}
	outcome := d.send(ctx, delivery.Endpoint, delivery.Event)
	disabled, err := d.record(ctx, delivery, outcome, last)
	switch {
	case err != nil:
		return err
	case outcome.ok():
		return nil
	case disabled:
		return river.JobCancel(outcome.err())
	}
	return outcome.err()
}

// outcome is how one attempt went.
type outcome struct {
	at         time.Time
	statusCode int
	duration   time.Duration
	response   string
	failure    string
}

func (o outcome) ok() bool { return o.failure == "" && o.statusCode >= 200 && o.statusCode < 300 }

func (o outcome) err() error {
	if o.failure != "" {
		return errors.New(o.failure)
	}
	return fmt.Errorf("the endpoint answered %d", o.statusCode)
}

// send posts the event to the endpoint, signed.
func (d *Deliverer) send(ctx context.Context, endpoint *db.WebhookEndpoint, event *db.Event) outcome {
	o := outcome{at: time.Now()}
	body, err := Body(event)
	if err != nil {
		o.failure = err.Error()
		return o
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint.URL, bytes.NewReader(body))
	if err == nil {
		err = SetHeaders(req.Header, endpoint.Secrets(o.at), event.ID, o.at, body)
	}
	if err != nil {
		o.failure = err.Error()
		return o
	}
	req.Header.Set("User-Agent", "contacts-webhooks")
	resp, err := d.client.Do(req)
	o.duration = time.Since(o.at)
	if err != nil {
		o.failure = err.Error()
		return o
	}
	defer resp.Body.Close()
	kept, _ := io.ReadAll(io.LimitReader(resp.Body, responseBytes))
	io.Copy(io.Discard, io.LimitReader(resp.Body, drainBytes))
	o.statusCode, o.response = resp.StatusCode, string(kept)
	return o
}

// record writes an attempt's outcome on the delivery and its endpoint: a
// success ends the endpoint's run of failures; 410 Gone, or failures
// without a success for DisableAfter, disable it. It reports whether the
// endpoint is disabled. The endpoint's row is written only when its state
// changes, so that the deliveries to one endpoint do not queue for it; a
// success writes it only when the endpoint was failing as the delivery
// was loaded, which spares a statement per delivery to a healthy
// endpoint (a failure that lands meanwhile is ended by the next success).
func (d *Deliverer) record(ctx context.Context, delivery *db.WebhookDelivery, o outcome, last bool) (disabled bool, err error) {
	at, ms := o.at, int(o.duration.Milliseconds())
	delivery.Attempts++
	delivery.LastAttemptAt, delivery.DurationMS = &at, &ms
	delivery.StatusCode, delivery.Response, delivery.Error = nil, nil, nil
	if o.statusCode != 0 {
		delivery.StatusCode, delivery.Response = &o.statusCode, &o.response
	}
	if o.failure != "" {
		delivery.Error = &o.failure
	}
	ws := delivery.WorkspaceID
	if o.ok() {
		if delivery.Endpoint.FailingSince != nil {
			err = d.store.EndpointSucceeded(ctx, ws, delivery.EndpointID)
		}
		delivery.Status = db.DeliverySucceeded
	} else {
		disabled, err = d.store.EndpointFailed(ctx, ws, delivery.EndpointID, at, o.statusCode == http.StatusGone, DisableAfter)
		if last || disabled {
			delivery.Status = db.DeliveryFailed
		}
	}
	if err != nil {
		return false, err
	}
	return disabled, d.store.UpdateWebhookDelivery(ctx, delivery)
}
