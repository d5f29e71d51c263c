package results

import (
	"encoding/json"
	"testing"
)

func TestWarmupSeconds(t *testing.T) {
	tests := []struct {
		name     string
		manifest any
		want     float64
		ok       bool
	}{
		{"map", map[string]any{"config": map[string]any{"warmup": "20m0s"}}, 1200, true},
		{"raw json as read back", json.RawMessage(`{"config":{"warmup":"1h30m"}}`), 5400, true},
		{"no manifest", nil, 0, false},
		{"no warmup key", map[string]any{"config": map[string]any{}}, 0, false},
		{"zero warmup", map[string]any{"config": map[string]any{"warmup": "0s"}}, 0, false},
		{"malformed duration", json.RawMessage(`{"config":{"warmup":"soon"}}`), 0, false},
		{"malformed json", json.RawMessage(`{"config":`), 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := warmupSeconds(&Run{Manifest: tc.manifest})
			if got != tc.want || ok != tc.ok {
				t.Fatalf("warmupSeconds = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
