package scenarios

import (
	"time"
)

// Scenario is one simulation run: who the providers are, how the network between them and
// their clients behaves, one room and the message workload in it.
//
// Parse fills a Scenario from YAML, applies Defaults and validates it. Code that builds or
// changes a Scenario itself calls Defaults and then Validate.
type Scenario struct {
	// Name identifies the scenario in results; required, [a-z0-9-]+.
	Name string `yaml:"name"`
	// Description is free text for humans; optional.
	Description string `yaml:"description"`
	// Seed seeds every random stream of the run; default 1, 0 is rejected when written.
	Seed uint64 `yaml:"seed"`
	// Duration is the simulated measurement window after set-up; required, > 0, ≤ 24h.
	Duration Duration `yaml:"duration"`
	// Engine names the MLS engine; default "gomls"; one of Limits.Engines.
	Engine string `yaml:"engine"`
	// Fidelity selects how much protocol work is really done; default "full", the only
	// value available so far.
	Fidelity string `yaml:"fidelity"`
	// TimeMode is "calibrated" (default: CPU work costs simulated time) or "zero" (it does not).
	TimeMode string `yaml:"time_mode"`
	// Network overrides the built-in network model.
	Network Network `yaml:"network"`
	// Providers are the MIMI providers; at least one, exactly one with role hub, unique names.
	Providers []Provider `yaml:"providers"`
	// Room is the one room of the run.
	Room Room `yaml:"room"`
	// Workload says who sends what, how often.
	Workload Workload `yaml:"workload"`
	// Commits, when set, adds commit contention to the measurement window.
	Commits *Commits `yaml:"commits"`
	// Offline, when set, takes a share of the members offline when the window opens.
	Offline *Offline `yaml:"offline"`
	// Call, when set, sets up one call in the measurement window.
	Call *Call `yaml:"call"`
	// Hostile, when set, makes one follower tamper with, replay and reorder what it delivers
	// to its clients during the measurement window.
	Hostile *Hostile `yaml:"hostile"`
	// Churn, when set, makes members leave and join during the measurement window.
	Churn *Churn `yaml:"churn"`
	// Faults, when set, injects link faults, partitions and provider crashes, and turns on
	// the recovery that survives them (faults.go).
	Faults *Faults `yaml:"faults"`
	// Attachments, when set, makes every real member send attachments (files held by the
	// sender's provider, referenced from MLS messages) and records latency per phase.
	Attachments *Attachments `yaml:"attachments"`
	// Sweep, when set, makes the scenario a parameter sweep (mimisim sweep): see Sweep and
	// Expand. mimisim run ignores it and runs the scenario as written.
	Sweep *Sweep `yaml:"sweep"`
}

// Duration is a time.Duration written in YAML as a string with a unit, such as "250ms", "60s"
// or "1.5ms" (time.ParseDuration syntax). Bare numbers and negative durations are rejected.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats d like time.Duration does ("1m0s", "250ms").
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalYAML writes d in the form Parse reads back.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// Network overrides parts of the network model; everything in it is optional.
type Network struct {
	// RTT overrides entries of the built-in region-to-region RTT table.
	RTT []RTTEntry `yaml:"rtt"`
	// Access overrides the built-in model of an access type (a key of Limits.AccessTypes).
	Access map[string]Access `yaml:"access"`
	// Loss is the per-message loss probability on provider-to-provider links, in [0, 0.5];
	// default 0.
	Loss float64 `yaml:"loss"`
	// RetransmitTimeout is how long a sender waits before resending a lost message;
	// default 200ms, > 0.
	RetransmitTimeout Duration `yaml:"retransmit_timeout"`
}

// RTTEntry sets the round-trip time between regions A and B (both directions) in milliseconds.
type RTTEntry struct {
	A  string  `yaml:"a"`  // a region of Limits.Regions; required
	B  string  `yaml:"b"`  // a region of Limits.Regions; required (may equal A: intra-region)
	Ms float64 `yaml:"ms"` // required, 0 ≤ ms ≤ MaxRTTMs
}

// Access overrides the model of one access type. A nil field keeps the network package's
// built-in value for that access type.
type Access struct {
	// Latency is the one-way last-mile latency.
	Latency *Dist `yaml:"latency"`
	// UplinkMbps is the client's upload bandwidth: > 0, or 0 for unlimited.
	UplinkMbps *float64 `yaml:"uplink_mbps"`
	// DownlinkMbps is the client's download bandwidth: > 0, or 0 for unlimited.
	DownlinkMbps *float64 `yaml:"downlink_mbps"`
	// Loss is the per-message loss probability on the last mile, in [0, 0.5].
	Loss *float64 `yaml:"loss"`
}

// Dist kinds.
const (
	DistConstant           = "constant"            // always Value
	DistShiftedExponential = "shifted_exponential" // Min + Exp(Mean)
	DistLognormal          = "lognormal"           // Median · exp(Sigma · N(0,1))
)

// Dist is a distribution of durations. Only the parameters of the chosen Kind may be written,
// and all of them must be: constant takes value; shifted_exponential takes min and mean;
// lognormal takes median and sigma.
type Dist struct {
	Kind   string   `yaml:"kind"`   // constant | shifted_exponential | lognormal
	Value  Duration `yaml:"value"`  // constant: the value, ≥ 0
	Min    Duration `yaml:"min"`    // shifted_exponential: the shift, ≥ 0
	Mean   Duration `yaml:"mean"`   // shifted_exponential: mean of the exponential part, > 0
	Median Duration `yaml:"median"` // lognormal: the median, > 0
	Sigma  float64  `yaml:"sigma"`  // lognormal: σ of the underlying normal, 0 ≤ σ ≤ MaxSigma
}

// Provider roles.
const (
	RoleHub      = "hub"
	RoleFollower = "follower"
)

// Provider is one MIMI provider: its servers sit in one region.
type Provider struct {
	Name        string   `yaml:"name"`              // required, [a-z0-9-]+, unique
	Role        string   `yaml:"role"`              // required: hub | follower
	Region      string   `yaml:"region"`            // required, one of Limits.Regions
	Cores       int      `yaml:"cores"`             // default 4; 1..1024
	RequestCost Duration `yaml:"request_cost"`      // CPU per request handled; default 50µs, > 0
	ByteCost    Duration `yaml:"byte_cost_per_kib"` // CPU per KiB of request body; default 2µs, > 0
	// BatchWindow, when > 0, makes the hub hold the notifies for a follower for up to this long
	// and send what gathered in one; default 0 (off); ≥ 0; the hub only.
	BatchWindow Duration `yaml:"batch_window"`
	// BatchMax, when > 0, sends a batch as soon as it holds this many events; default 0 (no
	// cap); ≥ 0; the hub only; no effect without BatchWindow.
	BatchMax int `yaml:"batch_max"`
}

// Room is the one room of a run.
type Room struct {
	// Members is the number of clients in the room; required, 2 ≤ members ≤ the engine's
	// full-fidelity maximum (Limits.Engines).
	Members int `yaml:"members"`
	// Placement gives the members per provider, in providers order, summing to Members.
	// Default: round-robin dealing (provider k of P gets ⌈(Members−k)/P⌉).
	Placement []int `yaml:"placement"`
	// Access is the share of clients per access type; keys from Limits.AccessTypes, shares
	// ≥ 0 summing to 1 (±1e-9). Default {wifi: 1}.
	Access map[string]float64 `yaml:"access"`
	// Device is the client device class, one of Limits.Devices; default "phone".
	Device string `yaml:"device"`
}

// Time modes.
const (
	TimeModeCalibrated = "calibrated" // CPU work costs simulated time, from the cost model
	TimeModeZero       = "zero"       // CPU work is free
)

// Workload kinds.
const (
	WorkloadPoisson = "poisson" // each member sends as a Poisson process
	WorkloadScript  = "script"  // a fixed sequence: Commits commits, then Messages messages
	WorkloadOps     = "ops"     // the room's creator performs Ops one at a time, Gap apart
)

// Operations of an ops workload.
const (
	OpUpdate  = "update"  // an empty commit with an UpdatePath
	OpMessage = "message" // one application message of PayloadBytes
	OpRemove  = "remove"  // a commit removing one member (the last real member to have joined)
	OpAdd     = "add"     // a commit adding one new member, who joins from its Welcome
)

// Workload says what the members send. Kind poisson takes rate_per_member; kind ops takes ops
// and gap; both take payload_bytes.
type Workload struct {
	Kind          string  `yaml:"kind"`            // required: poisson | script | ops
	RatePerMember float64 `yaml:"rate_per_member"` // poisson, required: messages/s per member, 0 < r ≤ 1000
	PayloadBytes  int     `yaml:"payload_bytes"`   // default 100; 1..1<<20

	// Kind script only: when the window opens, Commits empty commits with path are made one
	// after another (the k-th by the k-th sender, each once it has processed the one before);
	// then Messages messages are sent, Gap apart, by Senders members in turn. A sender sends
	// only once it has processed the last commit, so every message is of the final epoch.
	Commits  int      `yaml:"commits"`  // 0..MaxScriptCommits
	Messages int      `yaml:"messages"` // 0..MaxScriptMessages; commits + messages ≥ 1
	Senders  int      `yaml:"senders"`  // default 1; 1..real members
	Gap      Duration `yaml:"gap"`      // script: default 10ms; ops: required; > 0
	// Ops (kind ops, required) are the operations the room's creator performs after set-up, in
	// order, each alone: operation i starts at i × Gap into the window, and must have reached
	// every member before the next starts. 1..MaxOps entries, each update, message, remove or add.
	Ops []string `yaml:"ops"`
}

// Limits of the script workload.
const (
	MaxScriptCommits  = 1000
	MaxScriptMessages = 1_000_000
	DefaultScriptGap  = Duration(10 * time.Millisecond)
)

// Commit policies: what a member does after the hub refused its commit.
const (
	PolicyImmediate   = "immediate"    // rebuild and resubmit once caught up
	PolicyBackoff     = "backoff"      // full-jitter exponential backoff: BackoffBase, BackoffMax
	PolicyRandomDelay = "random_delay" // a uniform delay in [DelayMin, DelayMax] before every attempt
	// PolicyDesignated: members send Update proposals; the room's creator commits them.
	PolicyDesignated = "designated_committer"
	// PolicyProposalDelay: members send Update proposals, which the hub holds and fans out;
	// every member holding some commits them after a uniform delay in [DelayMin, DelayMax].
	PolicyProposalDelay = "proposal_random_delay"
)

// Commits is commit contention in the measurement window: rounds start at Poisson times of Rate
// per second, and in each round Committers real members each want an empty commit accepted,
// retrying after a refusal as Policy says. Only the parameters of the chosen policy may be
// written, and all of them must be: backoff takes backoff_base and backoff_max; random_delay
// takes delay_min and delay_max; immediate takes none. (A sweep of commits.policy allows and
// requires the parameters of every policy it sweeps over; each point keeps only its own.)
type Commits struct {
	Committers  int      `yaml:"committers"`   // required; 1 ≤ committers ≤ real members
	Rate        float64  `yaml:"rate"`         // required; rounds per second, 0 < rate ≤ MaxCommitRate
	Policy      string   `yaml:"policy"`       // default "immediate"; immediate | backoff | random_delay | designated_committer | proposal_random_delay
	BackoffBase Duration `yaml:"backoff_base"` // backoff: the first retry's ceiling, > 0
	BackoffMax  Duration `yaml:"backoff_max"`  // backoff: the largest ceiling, ≥ BackoffBase
	DelayMin    Duration `yaml:"delay_min"`    // random_delay, proposal_random_delay: ≥ 0
	DelayMax    Duration `yaml:"delay_max"`    // random_delay, proposal_random_delay: ≥ DelayMin
	MaxAttempts int      `yaml:"max_attempts"` // give up after this many refusals; default 0 = never; ≥ 0
}

// Offline takes a share of the members offline when the measurement window opens; each comes
// back after a delay drawn from Reconnect. While offline a member sends nothing and its
// provider holds its deliveries.
type Offline struct {
	Share     float64 `yaml:"share"`     // required; 0 ≤ share ≤ 1 of the members
	Reconnect Dist    `yaml:"reconnect"` // required; time offline, a Dist with its usual rules
}

// Hostile makes the follower Provider hostile to its own clients in the measurement window:
// for each delivery, with probability Tamper it first sends a copy of one commit or message
// with one bit flipped in its last 16 bytes, with probability Replay it then re-sends one of
// its last 8 deliveries to that client, and with probability Reorder it holds the delivery
// back until after the next one (at most HoldMax). Full fidelity only.
type Hostile struct {
	Provider string   `yaml:"provider"` // required; the name of a follower provider
	Tamper   float64  `yaml:"tamper"`   // default 0; 0 ≤ tamper ≤ 1
	Replay   float64  `yaml:"replay"`   // default 0; 0 ≤ replay ≤ 1
	Reorder  float64  `yaml:"reorder"`  // default 0; 0 ≤ reorder ≤ 1
	HoldMax  Duration `yaml:"hold_max"` // default 1s; 0 < hold_max ≤ MaxHold
}

// Churn makes members leave (LeaveRate per second room-wide: removed by another member's Remove
// commit or, a SelfLeave share of them, by proposing their own removal, which another member
// commits) and join (added by a member's Add commit with a Welcome, JoinRate per second) in
// the measurement window. Joiners are extra clients, not in the room at the start, spread
// round-robin over the providers; with Rejoin, removed members may be added again. Full
// fidelity only.
type Churn struct {
	LeaveRate float64 `yaml:"leave_rate"` // default 0; 0 ≤ leave_rate ≤ MaxChurnRate per second
	JoinRate  float64 `yaml:"join_rate"`  // default 0; 0 ≤ join_rate ≤ MaxChurnRate per second
	SelfLeave float64 `yaml:"self_leave"` // default 0; 0 ≤ self_leave ≤ 1: share of removals proposed by the leaver
	Joiners   int     `yaml:"joiners"`    // default 0; members + joiners ≤ the engine's limit
	Rejoin    bool    `yaml:"rejoin"`     // default false
}

// Call designs: how a call's media keys are set up.
const (
	CallEpochKeys         = "epoch_keys"          // keys from the room's epoch (MLS exporter), no commit
	CallSubgroupPerJoiner = "subgroup_per_joiner" // a call sub-group grown by one commit per joiner
	CallSubgroupOneCommit = "subgroup_one_commit" // a call sub-group of everyone in one commit
)

// Call sets up one call at At into the measurement window: Participants real members (the
// room's creator first) exchange an offer and answers of SignalBytes, complete ICERoundTrips +
// DTLSRoundTrips round trips with a media server in the hub's region and key the call as
// Design says.
type Call struct {
	Design         string   `yaml:"design"`           // required; epoch_keys | subgroup_per_joiner | subgroup_one_commit
	Participants   int      `yaml:"participants"`     // default 0: every real member; else 2 ≤ participants ≤ real members
	At             Duration `yaml:"at"`               // default 0; 0 ≤ at < duration
	SignalBytes    int      `yaml:"signal_bytes"`     // default 2000; 1..MaxPayloadBytes
	ICERoundTrips  *int     `yaml:"ice_round_trips"`  // default 2; 0..MaxCallRoundTrips
	DTLSRoundTrips *int     `yaml:"dtls_round_trips"` // default 2; 0..MaxCallRoundTrips
}

// Attachment download modes.
const (
	DownloadViaProvider = "via_provider" // the recipient's provider fetches the file once and serves its clients
	DownloadDirect      = "direct"       // each recipient fetches from the sender's provider itself
)

// Attachments makes every real member send each kind of attachment as a Poisson process; a
// recipient downloads the file as Download says. With this section a run also records
// phase_latency for chat messages ("text") and for the call, if any ("call").
type Attachments struct {
	Download string           `yaml:"download"` // default via_provider; via_provider | direct
	Kinds    []AttachmentKind `yaml:"kinds"`    // required; 1 … MaxAttachmentKinds kinds
}

// AttachmentKind is one kind of attachment.
type AttachmentKind struct {
	Name          string  `yaml:"name"`            // required; [a-z0-9-]+, unique, not "text" or "call"
	Bytes         int     `yaml:"bytes"`           // required; 1 … MaxAttachmentBytes
	RatePerMember float64 `yaml:"rate_per_member"` // required; files per second per member, 0 < r ≤ MaxAttachmentRate
	ContentType   string  `yaml:"content_type"`    // default application/octet-stream; a media type
}

// Limits carries what the model packages support; the caller supplies it (the CLI wires the
// real packages) so that this package depends on none of them.
type Limits struct {
	Engines     map[string]int // engine name -> max room members in full fidelity
	Regions     []string       // known regions, e.g. "eu-west-1"
	AccessTypes []string       // known access types, e.g. "wifi"
	Devices     []string       // known device classes, e.g. "phone"
}

// Defaults and bounds. The bounds not fixed by the format's design (MaxRTTMs, MaxSigma,
// MaxCallRoundTrips) are sanity caps that catch typos before they overflow a model.
const (
	DefaultSeed              = 1
	DefaultEngine            = "gomls"
	DefaultFidelity          = "full"
	DefaultTimeMode          = "calibrated"
	DefaultRetransmitTimeout = Duration(200 * time.Millisecond)
	DefaultCores             = 4
	DefaultRequestCost       = Duration(50 * time.Microsecond)
	DefaultByteCost          = Duration(2 * time.Microsecond)
	DefaultAccessType        = "wifi"
	DefaultDevice            = "phone"
	DefaultPayloadBytes      = 100
	DefaultCommitPolicy      = PolicyImmediate
	DefaultSignalBytes       = 2000
	DefaultCallRoundTrips    = 2
	DefaultHoldMax           = Duration(time.Second)
	DefaultDownload          = DownloadViaProvider
	DefaultContentType       = "application/octet-stream"

	MaxDuration      = Duration(24 * time.Hour)
	MaxCores         = 1024
	MaxLoss          = 0.5
	MaxRatePerMember = 1000.0
	MaxPayloadBytes  = 1 << 20
	MaxRTTMs         = 60000.0
	MaxSigma         = 5.0
	MaxCommitRate    = 1000.0
	// MaxChurnRate bounds churn.leave_rate and churn.join_rate (a typo catcher).
	MaxChurnRate = 100.0
	// MaxHold bounds hostile.hold_max (a typo catcher).
	MaxHold = Duration(time.Minute)
	// MaxOps bounds workload.ops.
	MaxOps = 1000
	// MaxCallRoundTrips bounds call.ice_round_trips and call.dtls_round_trips (a typo catcher).
	MaxCallRoundTrips = 100
	// MaxAttachmentKinds, MaxAttachmentBytes (64 MiB: a run holds every file in memory) and
	// MaxAttachmentRate bound the attachments section.
	MaxAttachmentKinds = 16
	MaxAttachmentBytes = 64 << 20
	MaxAttachmentRate  = 10.0
	// MaxFileBytes bounds the size of a scenario file (the default one has under 4 KiB). The
	// YAML parser takes time quadratic in the size of some malformed inputs, up to about half
	// a second at this size.
	MaxFileBytes = 64 << 10
	// ShareTolerance is how far room.access shares may sum away from 1.
	ShareTolerance = 1e-9
)
