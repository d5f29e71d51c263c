package underlay

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// Model names accepted in Config.Model.
const (
	ModelConstant  = "constant"
	ModelUniform   = "uniform"
	ModelEuclidean = "euclidean"
	ModelMatrix    = "matrix"
)

// Config describes an underlay: the "underlay" section of a run
// configuration, decoded by the caller with mapstructure (durations need a
// string-to-time.Duration decode hook). Only the fields of the chosen model
// are used; the others are still checked to be non-negative.
type Config struct {
	// Model selects the base model: "constant", "uniform" or "euclidean".
	Model string `mapstructure:"model"`
	// Delay is the one-way delay of the constant model.
	Delay time.Duration `mapstructure:"delay"`
	// Min is the smallest one-way delay of the uniform model.
	Min time.Duration `mapstructure:"min"`
	// Max is the largest one-way delay of the uniform model.
	Max time.Duration `mapstructure:"max"`
	// MedianRTT is the median round-trip time over all node pairs of the
	// euclidean model.
	MedianRTT time.Duration `mapstructure:"median_rtt"`
	// Jitter is the exclusive upper bound of a uniform extra delay added to
	// every message; 0 means none.
	Jitter time.Duration `mapstructure:"jitter"`
	// Loss is the probability that a message is dropped, in [0, 1); 0 means
	// none.
	Loss float64 `mapstructure:"loss"`
	// MatrixFile is the measured RTT matrix of the matrix model (square or
	// p2psim/King format; see ReadMatrixUnit). A relative path is resolved
	// by the caller (the sim command: against the scenario file's folder).
	MatrixFile string `mapstructure:"matrix_file"`
	// MatrixFormat is "auto" (detect), "square" or "king".
	MatrixFormat string `mapstructure:"matrix_format"`
	// MatrixUnit is the duration of one unit of the file's numbers (1ms, 1us).
	MatrixUnit time.Duration `mapstructure:"matrix_unit"`
	// SameHost is the one-way delay between two nodes mapped onto the same
	// matrix host; 0 means half the matrix's smallest RTT.
	SameHost time.Duration `mapstructure:"same_host"`
	// MatrixFallback, when "euclidean", lets a scenario that names a matrix
	// file run on the euclidean model (median_rtt) where the file is absent,
	// e.g. on a machine without the data set. The caller records the switch.
	MatrixFallback string `mapstructure:"matrix_fallback"`
	// NAT gives the hosts' connectivity classes (public, behind a NAT of
	// some kind, behind a UDP-blocking firewall); all public by default.
	NAT NATConfig `mapstructure:"nat"`
}

// DefaultConfig returns the default underlay: a euclidean plane with a median
// RTT of 100ms, no jitter and no loss. The other models' fields hold usable
// defaults (delay 50ms, min 10ms, max 100ms) so that switching only the model
// name gives a valid configuration.
func DefaultConfig() Config {
	return Config{
		Model:     ModelEuclidean,
		Delay:     50 * time.Millisecond,
		Min:       10 * time.Millisecond,
		Max:       100 * time.Millisecond,
		MedianRTT: 100 * time.Millisecond,

		MatrixFormat: MatrixFormatAuto,
		MatrixUnit:   time.Millisecond,
		NAT:          DefaultNATConfig(),
	}
}

// Validate reports every problem with c, one per line, each naming its key
// with the "underlay." prefix and saying what was expected. It returns nil for
// a valid configuration.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("underlay.%s: "+format, append([]any{key}, args...)...))
	}
	for _, f := range []struct {
		key string
		d   time.Duration
	}{
		{"delay", c.Delay}, {"min", c.Min}, {"max", c.Max},
		{"median_rtt", c.MedianRTT}, {"jitter", c.Jitter},
		{"matrix_unit", c.MatrixUnit}, {"same_host", c.SameHost},
	} {
		if f.d < 0 {
			bad(f.key, "must be a non-negative duration, got %v", f.d)
		}
	}
	switch c.Model {
	case ModelConstant:
	case ModelUniform:
		if c.Min > c.Max {
			bad("min", "must not exceed underlay.max (%v), got %v", c.Max, c.Min)
		}
	case ModelEuclidean:
		if c.MedianRTT == 0 {
			bad("median_rtt", "must be positive for the euclidean model, got %v", c.MedianRTT)
		}
	case ModelMatrix:
		if c.MatrixFile == "" {
			bad("matrix_file", "must name an RTT matrix file for the matrix model")
		}
		if c.MatrixUnit == 0 {
			bad("matrix_unit", "must be positive for the matrix model, got %v", c.MatrixUnit)
		}
	default:
		bad("model", "unknown model %q (want constant, uniform, euclidean or matrix)", c.Model)
	}
	if c.MatrixFallback != "" && c.MatrixFallback != ModelEuclidean {
		bad("matrix_fallback", "want \"\" or \"euclidean\", got %q", c.MatrixFallback)
	}
	switch c.MatrixFormat {
	case "", MatrixFormatAuto, MatrixFormatSquare, MatrixFormatKing:
	default:
		bad("matrix_format", "unknown format %q (want auto, square or king)", c.MatrixFormat)
	}
	if !(c.Loss >= 0 && c.Loss < 1) { // also rejects NaN
		bad("loss", "must be in [0, 1), got %v", c.Loss)
	}
	if err := c.NAT.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Build validates c and assembles its model for nodes nodes (IDs 0 ..
// nodes-1): the base model, wrapped in Jitter if c.Jitter > 0, then in Loss if
// c.Loss > 0. The euclidean model draws its node positions (and, above 2000
// nodes, its median sample) from rng; the other models draw nothing at build
// time. The returned model does not retain rng.
func (c Config) Build(nodes int, rng *rand.Rand) (Model, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if nodes < 0 || nodes > math.MaxInt32 {
		return nil, fmt.Errorf("underlay: node count must be in [0, %d], got %d", math.MaxInt32, nodes)
	}
	var m Model
	switch c.Model {
	case ModelConstant:
		m = Constant{OneWay: c.Delay}
	case ModelUniform:
		m = Uniform{Min: c.Min, Max: c.Max}
	case ModelEuclidean:
		m = NewEuclidean(nodes, c.MedianRTT, rng)
	case ModelMatrix:
		mx, err := LoadMatrixUnit(c.MatrixFile, c.MatrixFormat, c.MatrixUnit)
		if err != nil {
			return nil, err
		}
		mm := NewMatrixModel(mx, nodes, rng)
		if c.SameHost > 0 {
			mm.SameHost = c.SameHost
		}
		m = mm
	}
	if c.Jitter > 0 {
		m = Jitter{Inner: m, Max: c.Jitter}
	}
	if c.Loss > 0 {
		m = Loss{Inner: m, P: c.Loss}
	}
	return m, nil
}

// Describe returns a one-line description of c for logs, such as
// "euclidean plane, median RTT 100ms, jitter up to 5ms, loss 1%".
func (c Config) Describe() string {
	var s string
	switch c.Model {
	case ModelConstant:
		s = "constant one-way delay " + c.Delay.String()
	case ModelUniform:
		s = "uniform one-way delay in [" + c.Min.String() + ", " + c.Max.String() + "]"
	case ModelEuclidean:
		s = "euclidean plane, median RTT " + c.MedianRTT.String()
	case ModelMatrix:
		s = "RTT matrix " + strconv.Quote(c.MatrixFile) + " (" + c.MatrixFormat + ", unit " + c.MatrixUnit.String() + ")"
	default:
		s = "unknown model " + strconv.Quote(c.Model)
	}
	if c.Jitter != 0 {
		s += ", jitter up to " + c.Jitter.String()
	}
	if c.Loss != 0 {
		s += ", loss " + strconv.FormatFloat(c.Loss*100, 'g', 4, 64) + "%"
	}
	return s
}
