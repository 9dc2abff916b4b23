package webhooks_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/contacts-api/contacts/webhooks"
)

func TestForbiddenAddresses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1", true}, {"::1", true}, {"10.1.2.3", true}, {"172.16.0.1", true}, {"192.168.1.1", true},
		{"169.254.169.254", true}, {"fd00:ec2::254", true}, {"fe80::1", true}, {"0.0.0.0", true}, {"::", true},
		{"100.64.0.1", true}, {"::ffff:127.0.0.1", true}, {"::ffff:10.0.0.1", true}, {"64:ff9b::a00:1", true},
		{"224.0.0.1", true}, {"255.255.255.255", true},
		{"93.184.215.14", false}, {"2606:2800:21f:cb07:6820:80da:af6b:8b2c", false}, {"8.8.8.8", false},
	}
	for _, tt := range tests {
		if got := webhooks.Forbidden(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("Forbidden(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

// TestClientRefusesPrivateAddressesOnTheConnectionMade connects to a
// loopback receiver by address and by a name that resolves to it: the
// guard refuses both, on the address actually dialled.
func TestClientRefusesPrivateAddressesOnTheConnectionMade(t *testing.T) {
	t.Parallel()
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	t.Cleanup(receiver.Close)
	byName := strings.Replace(receiver.URL, "127.0.0.1", "localhost", 1)
	for _, target := range []string{receiver.URL, byName} {
		resp, err := webhooks.NewClient(false, 1).Post(target, "application/json", nil)
		if err == nil {
			resp.Body.Close()
		}
		if !errors.Is(err, webhooks.ErrForbiddenAddress) {
			t.Errorf("POST %s = %v, want ErrForbiddenAddress", target, err)
		}
		resp, err = webhooks.NewClient(true, 1).Post(target, "application/json", nil)
		if err != nil {
			t.Errorf("with private addresses allowed, POST %s = %v", target, err)
			continue
		}
		resp.Body.Close()
	}
}

func TestCheckURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		url          string
		allowPrivate bool
		wantOK       bool
	}{
		{"https is accepted", "https://hooks.example.com/contacts", false, true},
		{"plain http is refused", "http://hooks.example.com/contacts", false, false},
		{"plain http to loopback in development", "http://127.0.0.1:9000/hook", true, true},
		{"plain http to localhost in development", "http://localhost:9000/hook", true, true},
		{"plain http elsewhere, even in development", "http://hooks.example.com/", true, false},
		{"a private address is refused", "https://10.0.0.5/hook", false, false},
		{"the metadata service is refused", "https://169.254.169.254/latest", false, false},
		{"credentials are refused", "https://user:pw@hooks.example.com/", false, false},
		{"a relative URL is refused", "/hooks", false, false},
		{"another scheme is refused", "ftp://hooks.example.com/", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := webhooks.CheckURL(tt.url, tt.allowPrivate)
			if (err == nil) != tt.wantOK {
				t.Errorf("CheckURL(%q, %v) = %v, want ok %v", tt.url, tt.allowPrivate, err, tt.wantOK)
			}
		})
	}
}

// TestClientKeepsAConnectionPerWorker sends rounds of as many requests at
// once as there are workers: every round after the first reuses the
// connections of the one before, none is closed for want of room among
// the idle ones.
func TestClientKeepsAConnectionPerWorker(t *testing.T) {
	t.Parallel()
	const workers, rounds = 32, 4
	var connections atomic.Int64
	arrived := make(chan struct{}, workers)
	release := make(chan struct{})
	receiver := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		arrived <- struct{}{}
		<-release
		w.WriteHeader(http.StatusNoContent)
	}))
	receiver.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			connections.Add(1)
		}
	}
	receiver.Start()
	t.Cleanup(receiver.Close)
	client := webhooks.NewClient(true, workers)
	for range rounds {
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := client.Post(receiver.URL, "application/json", nil)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}()
		}
		// Every request of the round is in flight at once before any ends.
		for range workers {
			<-arrived
		}
		for range workers {
			release <- struct{}{}
		}
		wg.Wait()
	}
	if got := connections.Load(); got != workers {
		t.Errorf("%d rounds of %d requests at once opened %d connections, want %d", rounds, workers, got, workers)
	}
}
