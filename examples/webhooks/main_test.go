package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/contacts-api/contacts/webhooks"
)

// TestReceiverVerifiesAndHandlesEachEventOnce signs deliveries as the
// server does and checks what the receiver accepts.
func TestReceiverVerifiesAndHandlesEachEventOnce(t *testing.T) {
	secret := webhooks.NewSecret()
	var handled []Event
	h, err := newReceiver(secret, func(e Event) { handled = append(handled, e) })
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"type":"contact.deleted","timestamp":"2026-12-04T12:00:00Z","data":{"id":"evt_1","recordId":"contact_1","changes":[],"actor":"api_key_1"}}`)
	send := func(signer string, at time.Time, body []byte) int {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		if err := webhooks.SetHeaders(req.Header, []string{signer}, "evt_1", at, body); err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	tests := []struct {
		name   string
		signer string
		at     time.Time
		body   []byte
		want   int
	}{
		{"a delivery signed with the secret is accepted", secret, time.Now(), body, http.StatusNoContent},
		{"its retry is accepted, not handled again", secret, time.Now(), body, http.StatusNoContent},
		{"another secret's signature is refused", webhooks.NewSecret(), time.Now(), body, http.StatusUnauthorized},
		{"an old delivery is refused", secret, time.Now().Add(-time.Hour), body, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		if got := send(tt.signer, tt.at, tt.body); got != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, got, tt.want)
		}
	}
	if len(handled) != 1 || handled[0].Data.RecordID != "contact_1" {
		t.Errorf("handled %+v, want the event once", handled)
	}
}
