package engine

import (
	"testing"
	"time"
)

func TestTimeHelpers(t *testing.T) {
	t0 := At(1500 * time.Millisecond)
	if t0 != Time(1_500_000_000) {
		t.Fatalf("At(1.5s) = %d", t0)
	}
	if got := t0.Add(250 * time.Millisecond); got != At(1750*time.Millisecond) {
		t.Errorf("Add = %v", got)
	}
	if got := t0.Sub(At(time.Second)); got != 500*time.Millisecond {
		t.Errorf("Sub = %v", got)
	}
	if got := t0.Seconds(); got != 1.5 {
		t.Errorf("Seconds = %v", got)
	}
	if got := t0.Duration(); got != 1500*time.Millisecond {
		t.Errorf("Duration = %v", got)
	}
	if got := At(time.Hour + 2*time.Minute + 3500*time.Millisecond).String(); got != "1h2m3.5s" {
		t.Errorf("String = %q", got)
	}
	if Never <= At(1<<62) || Never+0 != Time(1<<63-1) {
		t.Errorf("Never = %d", Never)
	}
	cases := []struct {
		n    NodeID
		want string
	}{{None, "none"}, {0, "n0"}, {17, "n17"}}
	for _, c := range cases {
		if got := c.n.String(); got != c.want {
			t.Errorf("NodeID(%d).String() = %q, want %q", int32(c.n), got, c.want)
		}
	}
}
