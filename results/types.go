package results

// Observation is one measured value of a run, e.g. the delivery latency of
// one message to one recipient.
type Observation struct {
	Metric string  // what was measured, e.g. "delivery_latency"
	Unit   string  // unit of Value, e.g. "ms"; the same for every observation of a metric
	Group  string  // grouping key, e.g. the recipient's provider name; "all" is reserved
	TimeNs int64   // virtual time of the observation, ns since the start of the run
	Source string  // e.g. the sender's client id
	Target string  // e.g. the recipient's client id
	ID     int64   // e.g. the message sequence number
	Value  float64 // the measured value, in Unit; must be finite
}

// Param is one parameter of a run, e.g. {"members", "32"}. Params become
// leading columns of observations.csv and summary.csv, in the order given.
type Param struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Manifest records what produced a run's results. It is written verbatim as
// manifest.json and quoted in report.md and the figure captions. The package
// fills in nothing itself (no clock, no host probing): the caller supplies
// every field.
type Manifest struct {
	Tool        string `json:"tool"`         // "mimisim"
	ToolVersion string `json:"tool_version"` // git describe, or "devel"

	Scenario       string `json:"scenario"`        // scenario name
	ScenarioFile   string `json:"scenario_file"`   // path of the scenario file as given
	ScenarioSHA256 string `json:"scenario_sha256"` // hex SHA-256 of the scenario file

	// Seed is written as a JSON number; Go and Python read it back exactly,
	// readers that parse numbers as float64 lose precision above 2^53.
	Seed uint64 `json:"seed"`

	Engine        string `json:"engine"`
	EngineVersion string `json:"engine_version"`
	Fidelity      string `json:"fidelity"`
	TimeMode      string `json:"time_mode"` // e.g. "virtual" or "measured"
	Calibration   string `json:"calibration"`

	GoVersion string `json:"go_version"`
	GOOS      string `json:"goos"`
	GOARCH    string `json:"goarch"`
	CPUModel  string `json:"cpu_model"`
	NumCPU    int    `json:"num_cpu"`
	Hostname  string `json:"hostname"`

	GitRevision string `json:"git_revision"`

	Params []Param `json:"params"` // written as [] when nil

	Events      uint64 `json:"events"`       // simulated events
	SimulatedNs int64  `json:"simulated_ns"` // simulated (virtual) duration in ns

	// Deterministic is false in measured time mode, where the numbers depend
	// on the host and differ between runs.
	Deterministic bool `json:"deterministic"`

	Notes []string `json:"notes"` // written as [] when nil

	// Extra holds further key/value facts; encoding/json writes the keys
	// sorted, so the output does not depend on map order.
	Extra map[string]string `json:"extra,omitempty"`

	// Sweep describes the sweep that produced the results, for WriteSweep;
	// nil (and left out of manifest.json) for a single run.
	Sweep *SweepInfo `json:"sweep,omitempty"`
}

// Options controls Write.
type Options struct {
	// CDFMetric is the metric whose empirical CDFs are drawn into figures/,
	// e.g. "delivery_latency". Empty means no figures. If the metric has no
	// observations no figures are drawn and report.md says so.
	CDFMetric string

	// Title heads report.md and every figure. Empty means a title made from
	// the Manifest's tool and scenario.
	Title string

	// Overwrite replaces an existing non-empty results directory. The old
	// directory is only removed after the new one is complete.
	Overwrite bool

	// Invariants, when set, is written as invariants.json and summarised in a section of
	// report.md. Rebuild reads it back from the directory.
	Invariants *Invariants

	// failHook, if set, is called with each file's slash-separated path
	// relative to the results directory before the file is written; a
	// non-nil error aborts Write. It lets tests inject failures.
	failHook func(name string) error
}

// SummaryRow holds the statistics of one (Metric, Group) pair; see Summarize
// for their definitions.
type SummaryRow struct {
	Metric string  `json:"metric"`
	Unit   string  `json:"unit"`
	Group  string  `json:"group"` // "all" for the row pooling every group of Metric
	N      int     `json:"n"`
	Mean   float64 `json:"mean"`
	Stddev float64 `json:"stddev"`
	P50    float64 `json:"p50"`
	P95    float64 `json:"p95"`
	P99    float64 `json:"p99"`
	Max    float64 `json:"max"`
	Min    float64 `json:"min"`
}

// AllGroup is the Group of the summary row (and CDF figure) that pools every
// group of a metric. Observations must not use it as their own Group.
const AllGroup = "all"
