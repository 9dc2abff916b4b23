// Command webhooks receives the contacts API's webhooks: it checks each
// delivery's signature and timestamp with the Standard Webhooks library,
// handles each event once (deliveries are at least once: a retry after a
// lost answer brings an event again, under the same webhook-id), and
// answers 204 at once.
//
//	WEBHOOK_SECRET=whsec_… go run ./examples/webhooks -addr :9000
//
// Register it with createWebhookEndpoint (an https URL; plain http to a
// loopback address only with WEBHOOK_ALLOW_PRIVATE=true on the server).
package main

import (
	"encoding/json"
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"sync"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// maxBody bounds a delivery's body; events are far smaller.
const maxBody = 1 << 20

// Event is a delivery's body: the event's type, its time and the event.
type Event struct {
	Type string `json:"type"`
	Data struct {
		ID         string  `json:"id"`
		RecordID   string  `json:"recordId"`
		ExternalID *string `json:"externalId"`
		Version    *int    `json:"version"`
		Changes    []struct {
			Field string          `json:"field"`
			Old   json.RawMessage `json:"old"`
			New   json.RawMessage `json:"new"`
		} `json:"changes"`
		Actor string `json:"actor"`
	} `json:"data"`
}

func main() {
	addr := flag.String("addr", ":9000", "the address to listen on")
	flag.Parse()
	h, err := newReceiver(os.Getenv("WEBHOOK_SECRET"), func(e Event) {
		log.Printf("%s %s (%s) by %s: %d fields changed", e.Type, e.Data.RecordID, e.Data.ID, e.Data.Actor, len(e.Data.Changes))
	})
	if err != nil {
		log.Fatalf("WEBHOOK_SECRET: %v", err)
	}
	log.Fatal(http.ListenAndServe(*addr, h))
}

// newReceiver returns the handler of deliveries signed with secret, which
// calls handle once per event.
func newReceiver(secret string, handle func(Event)) (http.Handler, error) {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	// A real receiver keeps the ids it handled in its database, in the
	// transaction that applies the event.
	handled := map[string]bool{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			http.Error(w, "cannot read the body", http.StatusBadRequest)
			return
		}
		// Verify checks the signature of "id.timestamp.body" and that the
		// timestamp is within five minutes, against replays.
		if err := wh.Verify(body, r.Header); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var e Event
		if err := json.Unmarshal(body, &e); err != nil {
			http.Error(w, "not an event", http.StatusBadRequest)
			return
		}
		id := r.Header.Get("webhook-id")
		mu.Lock()
		seen := handled[id]
		handled[id] = true
		mu.Unlock()
		if !seen {
			handle(e)
		}
		w.WriteHeader(http.StatusNoContent)
	}), nil
}
