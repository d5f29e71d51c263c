package results

import (
	"os"
	"testing"
)

// TestRenderSample writes a realistic sample run for looking at the plots by
// eye. It runs only when RESULTS_SAMPLE_DIR names the directory to write.
func TestRenderSample(t *testing.T) {
	dir := os.Getenv("RESULTS_SAMPLE_DIR")
	if dir == "" {
		t.Skip("set RESULTS_SAMPLE_DIR to render a sample run")
	}
	if err := Write(dir, fakeRun(5000, 1000, 60)); err != nil {
		t.Fatal(err)
	}
}
