package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// exposure looks for what one workspace can learn of others: the metrics
// on the public listener, and the persisted-query cache.
func exposure(ctx context.Context, t *target) []finding {
	var fs []finding
	resp, err := http.Get(t.URL + "/metrics")
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fs = append(fs, held("GET /metrics on the API's listener", resp.StatusCode == http.StatusNotFound, "HTTP %d, %d bytes", resp.StatusCode, len(b)))
	}
	doc := fmt.Sprintf("query Secret%d { contacts(first: 1) { nodes { id } } }", time.Now().UnixNano())
	sum := sha256.Sum256([]byte(doc))
	hash := hex.EncodeToString(sum[:])
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
	sent, _ := json.Marshal(map[string]any{"query": doc, "extensions": ext})
	t.postRaw(t.adminA, sent)
	probe, _ := json.Marshal(map[string]any{"extensions": ext})
	other := t.postRaw(t.adminB, probe)
	fs = append(fs, held("another workspace's persisted query", strings.Contains(string(other.body), "PersistedQueryNotFound"), "%s", other))
	return fs
}
