package underlay

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-viper/mapstructure/v2"
)

func TestDefaultConfig(t *testing.T) {
	c := DefaultConfig()
	want := Config{Model: "euclidean", Delay: 50 * time.Millisecond, Min: 10 * time.Millisecond,
		Max: 100 * time.Millisecond, MedianRTT: 100 * time.Millisecond,
		MatrixFormat: MatrixFormatAuto, MatrixUnit: time.Millisecond, NAT: DefaultNATConfig()}
	if c != want {
		t.Errorf("DefaultConfig() = %+v, want %+v", c, want)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("DefaultConfig().Validate() = %v", err)
	}
	for _, model := range []string{"constant", "uniform", "euclidean"} {
		c.Model = model
		if err := c.Validate(); err != nil {
			t.Errorf("defaults with model %q: %v", model, err)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want []string // substrings of the error
	}{
		{"unknown model", func(c *Config) { c.Model = "euclidian" },
			[]string{`underlay.model: unknown model "euclidian" (want constant, uniform, euclidean or matrix)`}},
		{"matrix without file", func(c *Config) { c.Model = ModelMatrix }, []string{"underlay.matrix_file: must name"}},
		{"matrix zero unit", func(c *Config) { c.Model = ModelMatrix; c.MatrixFile = "x"; c.MatrixUnit = 0 }, []string{"underlay.matrix_unit: must be positive"}},
		{"bad matrix format", func(c *Config) { c.MatrixFormat = "csv" }, []string{`underlay.matrix_format: unknown format "csv"`}},
		{"negative same_host", func(c *Config) { c.SameHost = -1 }, []string{"underlay.same_host:"}},
		{"empty model", func(c *Config) { c.Model = "" }, []string{"underlay.model:"}},
		{"uppercase model", func(c *Config) { c.Model = "Constant" }, []string{"underlay.model:"}},
		{"loss 1.5", func(c *Config) { c.Loss = 1.5 }, []string{"underlay.loss: must be in [0, 1), got 1.5"}},
		{"loss 1", func(c *Config) { c.Loss = 1 }, []string{"underlay.loss:"}},
		{"loss negative", func(c *Config) { c.Loss = -0.1 }, []string{"underlay.loss:"}},
		{"loss NaN", func(c *Config) { c.Loss = math.NaN() }, []string{"underlay.loss:"}},
		{"negative delay", func(c *Config) { c.Model = "constant"; c.Delay = -time.Millisecond },
			[]string{"underlay.delay: must be a non-negative duration, got -1ms"}},
		{"negative min", func(c *Config) { c.Model = "uniform"; c.Min = -1 }, []string{"underlay.min:"}},
		{"negative max", func(c *Config) { c.Model = "uniform"; c.Min = 0; c.Max = -1 }, []string{"underlay.max:"}},
		{"min > max", func(c *Config) { c.Model = "uniform"; c.Min = 2 * time.Second; c.Max = time.Second },
			[]string{"underlay.min: must not exceed underlay.max (1s), got 2s"}},
		{"negative jitter", func(c *Config) { c.Jitter = -time.Millisecond }, []string{"underlay.jitter:"}},
		{"zero median_rtt", func(c *Config) { c.MedianRTT = 0 }, []string{"underlay.median_rtt: must be positive"}},
		{"negative median_rtt", func(c *Config) { c.MedianRTT = -time.Second }, []string{"underlay.median_rtt:"}},
		{"negative unused field", func(c *Config) { c.Model = "constant"; c.MedianRTT = -1 }, []string{"underlay.median_rtt:"}},
		{"several problems", func(c *Config) { c.Model = "uniform"; c.Min = 3; c.Max = 2; c.Loss = 2; c.Jitter = -1 },
			[]string{"underlay.min:", "underlay.loss:", "underlay.jitter:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.edit(&c)
			err := c.Validate()
			if err == nil {
				t.Fatalf("Validate(%+v) = nil, want an error", c)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if _, berr := c.Build(10, newRand(1)); berr == nil {
				t.Error("Build accepted an invalid config")
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
	}{
		{"constant zero delay", func(c *Config) { c.Model = "constant"; c.Delay = 0 }},
		{"uniform min == max", func(c *Config) { c.Model = "uniform"; c.Min, c.Max = time.Second, time.Second }},
		{"euclidean ignores min > max", func(c *Config) { c.Min, c.Max = time.Second, time.Millisecond }},
		{"constant ignores zero median_rtt", func(c *Config) { c.Model = "constant"; c.MedianRTT = 0 }},
		{"loss just below 1", func(c *Config) { c.Loss = 0.999 }},
		{"jitter", func(c *Config) { c.Jitter = time.Second }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.edit(&c)
			if err := c.Validate(); err != nil {
				t.Errorf("Validate(%+v) = %v, want nil", c, err)
			}
		})
	}
}

func TestBuildComposition(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string // shape of the model
	}{
		{"euclidean", func(c *Config) {}, "E"},
		{"constant", func(c *Config) { c.Model = "constant" }, "C50ms"},
		{"uniform", func(c *Config) { c.Model = "uniform" }, "U10ms-100ms"},
		{"jitter", func(c *Config) { c.Model = "constant"; c.Jitter = time.Millisecond }, "J1ms(C50ms)"},
		{"loss", func(c *Config) { c.Model = "uniform"; c.Loss = 0.1 }, "L0.1(U10ms-100ms)"},
		{"both", func(c *Config) { c.Jitter = 3 * time.Millisecond; c.Loss = 0.2 }, "L0.2(J3ms(E))"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.edit(&c)
			m, err := c.Build(20, newRand(1))
			if err != nil {
				t.Fatal(err)
			}
			if got := shape(m); got != tc.want {
				t.Errorf("Build gave %s, want %s", got, tc.want)
			}
			if e, ok := innermost(m).(*Euclidean); ok && e.Nodes() != 20 {
				t.Errorf("euclidean model sized for %d nodes, want 20", e.Nodes())
			}
		})
	}
	if _, err := DefaultConfig().Build(-1, newRand(1)); err == nil {
		t.Error("Build(-1) succeeded")
	}
}

func shape(m Model) string {
	switch m := m.(type) {
	case Loss:
		return fmt.Sprintf("L%v(%s)", m.P, shape(m.Inner))
	case Jitter:
		return fmt.Sprintf("J%v(%s)", m.Max, shape(m.Inner))
	case Constant:
		return fmt.Sprintf("C%v", m.OneWay)
	case Uniform:
		return fmt.Sprintf("U%v-%v", m.Min, m.Max)
	case *Euclidean:
		return "E"
	}
	return "?"
}

func innermost(m Model) Model {
	for {
		switch w := m.(type) {
		case Loss:
			m = w.Inner
		case Jitter:
			m = w.Inner
		default:
			return m
		}
	}
}

func TestBuildUsesConfigValues(t *testing.T) {
	c := DefaultConfig()
	c.Model = "constant"
	c.Delay = 33 * time.Millisecond
	m, err := c.Build(5, newRand(1))
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := m.Delay(0, 1, 1, newRand(1)); d != 33*time.Millisecond || !ok {
		t.Errorf("constant built from delay 33ms gave (%v, %v)", d, ok)
	}
	c = DefaultConfig()
	c.MedianRTT = 60 * time.Millisecond
	m, err = c.Build(300, newRand(1))
	if err != nil {
		t.Fatal(err)
	}
	below, atMost, pairs := pairMedianWithin(m.(*Euclidean), 59400*time.Microsecond, 60600*time.Microsecond)
	if below > (pairs-1)/2 || atMost < pairs/2+1 {
		t.Error("euclidean built from median_rtt 60ms does not have a 60ms median RTT")
	}
}

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) {}, "euclidean plane, median RTT 100ms"},
		{func(c *Config) { c.Model = "constant" }, "constant one-way delay 50ms"},
		{func(c *Config) { c.Model = "uniform" }, "uniform one-way delay in [10ms, 100ms]"},
		{func(c *Config) { c.Jitter = 5 * time.Millisecond; c.Loss = 0.01 },
			"euclidean plane, median RTT 100ms, jitter up to 5ms, loss 1%"},
		{func(c *Config) { c.Model = "constant"; c.Loss = 0.07 }, "constant one-way delay 50ms, loss 7%"},
		{func(c *Config) { c.Model = "bogus" }, `unknown model "bogus"`},
	} {
		c := DefaultConfig()
		tc.edit(&c)
		if got := c.Describe(); got != tc.want {
			t.Errorf("Describe() = %q, want %q", got, tc.want)
		}
	}
}

// TestMapstructureTags decodes a YAML-shaped map the way the run loader does,
// checking every tag.
func TestMapstructureTags(t *testing.T) {
	in := map[string]any{
		"model":         "uniform",
		"delay":         "7ms",
		"min":           "20ms",
		"max":           "1.5s",
		"median_rtt":    "80ms",
		"jitter":        "2ms",
		"loss":          0.25,
		"matrix_file":   "m.txt",
		"matrix_format": "king",
		"matrix_unit":   "1us",
		"same_host":     "3ms",
	}
	c := DefaultConfig()
	dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		DecodeHook:  mapstructure.StringToTimeDurationHookFunc(),
		ErrorUnused: true,
		Result:      &c,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := dec.Decode(in); err != nil {
		t.Fatal(err)
	}
	want := Config{Model: "uniform", Delay: 7 * time.Millisecond, Min: 20 * time.Millisecond,
		Max: 1500 * time.Millisecond, MedianRTT: 80 * time.Millisecond, Jitter: 2 * time.Millisecond, Loss: 0.25,
		MatrixFile: "m.txt", MatrixFormat: MatrixFormatKing, MatrixUnit: time.Microsecond, SameHost: 3 * time.Millisecond,
		NAT: DefaultNATConfig()}
	if c != want {
		t.Errorf("decoded %+v, want %+v", c, want)
	}
}

// TestBuildMatrixFromConfig builds the matrix model from the real PlanetLab
// file through Config, as a scenario would.
func TestBuildMatrixFromConfig(t *testing.T) {
	path := "../../shared/data/planetlab-490/PlanetLabData_1"
	if _, err := os.Stat(path); err != nil {
		t.Skipf("PlanetLab matrix not available (%v): ../shared is absent", err)
	}
	c := DefaultConfig()
	c.Model, c.MatrixFile = ModelMatrix, path
	m, err := c.Build(100, newRand(1))
	if err != nil {
		t.Fatal(err)
	}
	mm, ok := m.(*MatrixModel)
	if !ok {
		t.Fatalf("Build gave %T, want *MatrixModel", m)
	}
	if mm.Matrix().Hosts() != 490 {
		t.Fatalf("%d hosts, want 490", mm.Matrix().Hosts())
	}
	d, ok := m.Delay(0, 1, 100, nil)
	if want := mm.Matrix().RTT(mm.Host(0), mm.Host(1)) / 2; !ok || d != want {
		t.Fatalf("Delay(0,1) = %v, %v; want half the RTT of their hosts, %v", d, ok, want)
	}
	c.MatrixFile = "no/such/file"
	if _, err := c.Build(10, newRand(1)); err == nil || !strings.Contains(err.Error(), "no/such/file") {
		t.Fatalf("Build with a missing file: %v, want an error naming it", err)
	}
}
