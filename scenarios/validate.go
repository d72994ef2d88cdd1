package scenarios

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

var nameSyntax = regexp.MustCompile(`^[a-z0-9-]+$`)

// Allowed values of the fields whose set this package owns.
var (
	fidelities  = []string{DefaultFidelity}
	timeModes   = []string{TimeModeCalibrated, TimeModeZero, "measured"} // measured: wall-clock CPU costs (cmd/mimisim)
	roles       = []string{RoleHub, RoleFollower}
	distKinds   = []string{DistConstant, DistShiftedExponential, DistLognormal}
	workloads   = []string{WorkloadPoisson, WorkloadScript, WorkloadOps}
	workloadOps = []string{OpUpdate, OpMessage, OpRemove, OpAdd}
	distParams  = map[string][]string{
		DistConstant:           {"value"},
		DistShiftedExponential: {"min", "mean"},
		DistLognormal:          {"median", "sigma"},
	}
	// commitPolicies and callDesigns are the models' lists (client.CommitPolicies,
	// world.CallDesigns); cmd/mimisim tests that they agree.
	commitPolicies = []string{PolicyImmediate, PolicyBackoff, PolicyRandomDelay, PolicyDesignated, PolicyProposalDelay}
	policyParams   = map[string][]string{
		PolicyImmediate:     nil,
		PolicyBackoff:       {"backoff_base", "backoff_max"},
		PolicyRandomDelay:   {"delay_min", "delay_max"},
		PolicyDesignated:    nil,
		PolicyProposalDelay: {"delay_min", "delay_max"},
	}
	callDesigns   = []string{CallEpochKeys, CallSubgroupPerJoiner, CallSubgroupOneCommit}
	downloadModes = []string{DownloadViaProvider, DownloadDirect}
)

// DownloadModes returns the values of attachments.download.
func DownloadModes() []string { return slices.Clone(downloadModes) }

// CommitPolicies returns the values of commits.policy.
func CommitPolicies() []string { return slices.Clone(commitPolicies) }

// CallDesigns returns the values of call.design.
func CallDesigns() []string { return slices.Clone(callDesigns) }

// Validate checks s, on which Defaults has been called, against the format's rules and lim. It
// returns nil, one *Error, or several joined with errors.Join. Its errors carry the field path
// but no file or position; Parse, which knows where each field was written, adds those and
// also rejects what only the text shows: required fields left out, zero values written where
// zero means "use the default", and Dist parameters written for another kind.
func (s *Scenario) Validate(lim Limits) error {
	c := &checker{lim: lim}
	c.check(s)
	return joinErrors(c.errs)
}

// checker collects the problems of a Scenario. With locs (from Parse) it knows which fields were
// written; without, a field counts as written when it is non-zero, and never as missing.
type checker struct {
	lim  Limits
	file string
	locs map[string]loc
	errs []*Error
}

// written reports whether the field at path was written (or, without locs, is non-zero).
func (c *checker) written(path string, nonZero bool) bool {
	if c.locs == nil {
		return nonZero
	}
	_, ok := c.locs[path]
	return ok
}

// missing reports whether the field at path was left out of the file (never without locs).
func (c *checker) missing(path string) bool {
	if c.locs == nil {
		return false
	}
	_, ok := c.locs[path]
	return !ok
}

// errf reports a problem with the value at path; keyf one with the key itself.
func (c *checker) errf(path, format string, args ...any) { c.add(path, false, format, args...) }
func (c *checker) keyf(path, format string, args ...any) { c.add(path, true, format, args...) }

func (c *checker) add(path string, atKey bool, format string, args ...any) {
	e := &Error{File: c.file, Field: path, Msg: fmt.Sprintf(format, args...)}
	if c.locs != nil {
		if l, ok := c.locs[path]; ok {
			p := l.pos
			if atKey {
				p = l.key
			}
			e.Line, e.Column = p.Line, p.Column
		} else {
			// A missing field: point at the nearest enclosing field that was written.
			for a := parentPath(path); a != ""; a = parentPath(a) {
				if l, ok := c.locs[a]; ok {
					e.Line, e.Column = l.key.Line, l.key.Column
					break
				}
			}
		}
	}
	c.errs = append(c.errs, e)
}

// parentPath strips the last element of a path: "a.b[2]" → "a.b" → "a" → "".
func parentPath(p string) string {
	i := max(strings.LastIndexByte(p, '.'), strings.LastIndexByte(p, '['))
	if i <= 0 {
		return ""
	}
	return p[:i]
}

// zeroWritten rejects fields whose zero value means "use the default" but that were written
// with it, so that Defaults never replaces a value found in the file. Parse runs it before
// Defaults; without locs it finds nothing.
func (c *checker) zeroWritten(s *Scenario) {
	if c.locs == nil {
		return
	}
	if c.written("seed", false) && s.Seed == 0 {
		c.errf("seed", "must be at least 1 (0 is reserved; remove the field to use the default %d)", DefaultSeed)
	}
	if c.written("engine", false) && s.Engine == "" {
		c.errf("engine", "must not be empty; allowed: %s", list(sortedKeys(c.lim.Engines)))
	}
	if c.written("fidelity", false) && s.Fidelity == "" {
		c.errf("fidelity", "must not be empty; allowed: %s", list(fidelities))
	}
	if c.written("time_mode", false) && s.TimeMode == "" {
		c.errf("time_mode", "must not be empty; allowed: %s", list(timeModes))
	}
	if c.written("network.retransmit_timeout", false) && s.Network.RetransmitTimeout == 0 {
		c.errf("network.retransmit_timeout", "must be > 0")
	}
	for i, p := range s.Providers {
		pp := fmt.Sprintf("providers[%d]", i)
		if c.written(pp+".cores", false) && p.Cores == 0 {
			c.errf(pp+".cores", "must be between 1 and %d, got 0", MaxCores)
		}
		if c.written(pp+".request_cost", false) && p.RequestCost == 0 {
			c.errf(pp+".request_cost", "must be > 0 (time_mode: zero turns CPU costs off)")
		}
		if c.written(pp+".byte_cost_per_kib", false) && p.ByteCost == 0 {
			c.errf(pp+".byte_cost_per_kib", "must be > 0 (time_mode: zero turns CPU costs off)")
		}
	}
	if c.written("room.access", false) && len(s.Room.Access) == 0 {
		c.errf("room.access", "must give at least one access type with its share (remove the field to use the default {%s: 1})", DefaultAccessType)
	}
	if c.written("room.device", false) && s.Room.Device == "" {
		c.errf("room.device", "must not be empty; allowed: %s", list(c.lim.Devices))
	}
	if c.written("workload.payload_bytes", false) && s.Workload.PayloadBytes == 0 {
		c.errf("workload.payload_bytes", "must be between 1 and %d, got 0", MaxPayloadBytes)
	}
	if c.written("workload.senders", false) && s.Workload.Senders == 0 {
		c.errf("workload.senders", "must be at least 1, got 0 (remove the field for the default 1)")
	}
	if c.written("workload.gap", false) && s.Workload.Gap == 0 {
		c.errf("workload.gap", "must be > 0, got 0s (remove the field for the default %v)", time.Duration(DefaultScriptGap))
	}
	if s.Commits != nil && c.written("commits.policy", false) && s.Commits.Policy == "" {
		c.errf("commits.policy", "must not be empty; allowed: %s (remove the field for the default %s)", list(commitPolicies), DefaultCommitPolicy)
	}
	if s.Hostile != nil && c.written("hostile.hold_max", false) && s.Hostile.HoldMax == 0 {
		c.errf("hostile.hold_max", "must be > 0 and at most %s, got 0s (remove the field for the default %s)", MaxHold, DefaultHoldMax)
	}
	if s.Call != nil && c.written("call.signal_bytes", false) && s.Call.SignalBytes == 0 {
		c.errf("call.signal_bytes", "must be between 1 and %d, got 0 (remove the field for the default %d)", MaxPayloadBytes, DefaultSignalBytes)
	}
	c.faultsZeroWritten(s)
	c.sweepZeroWritten(s)
}

// check validates a Scenario on which Defaults has run.
func (c *checker) check(s *Scenario) {
	switch {
	case c.missing("name"):
		c.errf("name", `required: a name of lowercase letters, digits and "-"`)
	case !nameSyntax.MatchString(s.Name):
		c.errf("name", `%q is not a valid name; use lowercase letters a-z, digits and "-"`, s.Name)
	}
	if s.Seed == 0 {
		c.errf("seed", "must be at least 1")
	}
	switch {
	case c.missing("duration"):
		c.errf("duration", `required: the simulated measurement window after set-up, e.g. "60s"`)
	case s.Duration <= 0 || s.Duration > MaxDuration:
		c.errf("duration", "must be > 0 and at most %s, got %s", MaxDuration, s.Duration)
	}
	engineOK := false
	if _, ok := c.lim.Engines[s.Engine]; ok {
		engineOK = true
	} else {
		c.errf("engine", "unknown engine %q; allowed: %s", s.Engine, list(sortedKeys(c.lim.Engines)))
	}
	// A sweep's base keeps auto:K for its points to resolve each for its own engine and size;
	// it is checked as resolved for its own values.
	written := s.Fidelity
	if engineOK {
		s.Fidelity = ResolveFidelity(s.Fidelity, s.Room.Members, c.lim.Engines[s.Engine])
	}
	if _, err := SampledK(s.Fidelity); err != nil {
		c.errf("fidelity", "%v", err)
	}
	if !slices.Contains(timeModes, s.TimeMode) {
		c.errf("time_mode", "unknown time mode %q; allowed: %s", s.TimeMode, list(timeModes))
	}
	c.network(&s.Network)
	c.providers(s.Providers)
	c.room(s, engineOK)
	c.workload(s)
	c.commits(s)
	c.offline(s)
	c.call(s)
	c.hostile(s)
	c.churn(s, engineOK)
	c.faults(s)
	c.attachments(s)
	if s.Sweep != nil {
		s.Fidelity = written
	}
	c.sweep(s)
}

// share checks a probability field.
func (c *checker) share(path string, v float64) {
	if math.IsNaN(v) || v < 0 || v > 1 {
		c.errf(path, "must be a probability between 0 and 1, got %s", num(v))
	}
}

func (c *checker) hostile(s *Scenario) {
	h := s.Hostile
	if h == nil {
		return
	}
	if s.Fidelity != "full" {
		c.errf("hostile", "needs fidelity full (modelled members hold no keys to refuse anything with), got %s", s.Fidelity)
	}
	var followers []string
	for _, p := range s.Providers {
		if p.Role == "follower" {
			followers = append(followers, p.Name)
		}
	}
	switch {
	case c.missing("hostile.provider"):
		c.errf("hostile.provider", "required: the name of the follower provider that turns hostile; allowed: %s", list(followers))
	case !slices.Contains(followers, h.Provider):
		c.errf("hostile.provider", "%q is not a follower provider of the scenario; allowed: %s", h.Provider, list(followers))
	}
	c.share("hostile.tamper", h.Tamper)
	c.share("hostile.replay", h.Replay)
	c.share("hostile.reorder", h.Reorder)
	if h.HoldMax <= 0 || h.HoldMax > MaxHold {
		c.errf("hostile.hold_max", "must be > 0 and at most %s, got %s", MaxHold, h.HoldMax)
	}
}

func (c *checker) churn(s *Scenario, engineOK bool) {
	ch := s.Churn
	if ch == nil {
		return
	}
	if s.Fidelity != "full" {
		c.errf("churn", "needs fidelity full (removed members must keep a real MLS state), got %s", s.Fidelity)
	}
	for _, r := range []struct {
		path string
		v    float64
	}{{"churn.leave_rate", ch.LeaveRate}, {"churn.join_rate", ch.JoinRate}} {
		if math.IsNaN(r.v) || r.v < 0 || r.v > MaxChurnRate {
			c.errf(r.path, "must be ≥ 0 and at most %g per second, got %s", MaxChurnRate, num(r.v))
		}
	}
	c.share("churn.self_leave", ch.SelfLeave)
	if ch.LeaveRate == 0 && ch.JoinRate == 0 {
		c.errf("churn", "needs leave_rate or join_rate > 0 (remove the section for no churn)")
	}
	switch {
	case ch.Joiners < 0:
		c.errf("churn.joiners", "must be ≥ 0, got %d", ch.Joiners)
	case engineOK && roomSizeOK(s) && s.Room.Members+ch.Joiners > c.lim.Engines[s.Engine]:
		c.errf("churn.joiners", "room.members + joiners = %d exceeds the limit of engine %s, %d members",
			s.Room.Members+ch.Joiners, s.Engine, c.lim.Engines[s.Engine])
	}
	if ch.JoinRate > 0 && ch.Joiners == 0 && !(ch.Rejoin && ch.LeaveRate > 0) {
		c.errf("churn.join_rate", "nobody can join: give churn.joiners > 0, or rejoin: true with leave_rate > 0")
	}
}

func (c *checker) attachments(s *Scenario) {
	a := s.Attachments
	if a == nil {
		return
	}
	if c.written("attachments.download", false) && a.Download == "" {
		c.errf("attachments.download", "must not be empty; allowed: %s (remove the field for the default %s)", list(downloadModes), DefaultDownload)
	} else if !slices.Contains(downloadModes, a.Download) {
		c.errf("attachments.download", "unknown download mode %q; allowed: %s", a.Download, list(downloadModes))
	}
	switch {
	case len(a.Kinds) == 0 && c.missing("attachments.kinds"):
		c.errf("attachments.kinds", "required: the kinds of attachment, each with name, bytes and rate_per_member")
		return
	case len(a.Kinds) == 0 || len(a.Kinds) > MaxAttachmentKinds:
		c.errf("attachments.kinds", "must list 1 to %d kinds, got %d", MaxAttachmentKinds, len(a.Kinds))
		return
	}
	names := map[string]int{}
	for i, k := range a.Kinds {
		p := fmt.Sprintf("attachments.kinds[%d]", i)
		switch {
		case c.missing(p + ".name"):
			c.errf(p+".name", `required: a name of lowercase letters, digits and "-", e.g. image`)
		case !nameSyntax.MatchString(k.Name):
			c.errf(p+".name", `%q is not a valid name; use lowercase letters a-z, digits and "-"`, k.Name)
		case k.Name == "text" || k.Name == "call":
			c.errf(p+".name", "%q names the phase of chat messages or of the call; choose another name", k.Name)
		default:
			if j, dup := names[k.Name]; dup {
				c.errf(p+".name", "duplicate kind name %q (also attachments.kinds[%d])", k.Name, j)
			} else {
				names[k.Name] = i
			}
		}
		switch {
		case c.missing(p + ".bytes"):
			c.errf(p+".bytes", "required: the size of each file, bytes, 1 … %d", MaxAttachmentBytes)
		case k.Bytes < 1 || k.Bytes > MaxAttachmentBytes:
			c.errf(p+".bytes", "must be between 1 and %d, got %d", MaxAttachmentBytes, k.Bytes)
		}
		switch {
		case c.missing(p + ".rate_per_member"):
			c.errf(p+".rate_per_member", "required: files per second per member, > 0 and at most %s", num(MaxAttachmentRate))
		case math.IsNaN(k.RatePerMember) || k.RatePerMember <= 0 || k.RatePerMember > MaxAttachmentRate:
			c.errf(p+".rate_per_member", "must be > 0 and at most %s files per second, got %s", num(MaxAttachmentRate), num(k.RatePerMember))
		}
		if c.written(p+".content_type", false) && !mediaType.MatchString(k.ContentType) {
			c.errf(p+".content_type", "%q is not a media type such as image/jpeg", k.ContentType)
		}
	}
}

// mediaType is the shape of a media type (RFC 6838 §4.2), without parameters.
var mediaType = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$`)

func (c *checker) network(n *Network) {
	type pair struct{ a, b string }
	seen := map[pair]int{}
	for i, e := range n.RTT {
		p := fmt.Sprintf("network.rtt[%d]", i)
		okA := c.region(p+".a", e.A)
		okB := c.region(p+".b", e.B)
		switch {
		case c.missing(p + ".ms"):
			c.errf(p+".ms", "required: the round-trip time in milliseconds")
		case math.IsNaN(e.Ms) || e.Ms < 0 || e.Ms > MaxRTTMs:
			c.errf(p+".ms", "must be between 0 and %g, got %s", MaxRTTMs, num(e.Ms))
		}
		if okA && okB {
			k := pair{min(e.A, e.B), max(e.A, e.B)}
			if j, dup := seen[k]; dup {
				c.errf(p, "duplicate RTT override for %s and %s (also network.rtt[%d])", e.A, e.B, j)
			} else {
				seen[k] = i
			}
		}
	}
	for _, t := range sortedKeys(n.Access) {
		a := n.Access[t]
		p := joinPath("network.access", t)
		if !slices.Contains(c.lim.AccessTypes, t) {
			c.keyf(p, "unknown access type %q; allowed: %s", t, list(c.lim.AccessTypes))
			continue
		}
		if a.Latency != nil {
			c.dist(p+".latency", a.Latency)
		}
		for _, bw := range []struct {
			name string
			v    *float64
		}{{"uplink_mbps", a.UplinkMbps}, {"downlink_mbps", a.DownlinkMbps}} {
			if bw.v != nil && (math.IsNaN(*bw.v) || math.IsInf(*bw.v, 0) || *bw.v < 0) {
				c.errf(p+"."+bw.name, "must be > 0 (Mbit/s), or 0 for unlimited, got %s", num(*bw.v))
			}
		}
		if a.Loss != nil {
			c.loss(p+".loss", *a.Loss)
		}
	}
	c.loss("network.loss", n.Loss)
	if n.RetransmitTimeout <= 0 {
		c.errf("network.retransmit_timeout", "must be > 0, got %s", n.RetransmitTimeout)
	}
}

func (c *checker) loss(path string, v float64) {
	if math.IsNaN(v) || v < 0 || v > MaxLoss {
		c.errf(path, "must be a probability between 0 and %g, got %s", MaxLoss, num(v))
	}
}

func (c *checker) region(path, r string) bool {
	if c.missing(path) {
		c.errf(path, "required: a region, one of %s", list(c.lim.Regions))
		return false
	}
	if !slices.Contains(c.lim.Regions, r) {
		c.errf(path, "unknown region %q; allowed: %s", r, list(c.lim.Regions))
		return false
	}
	return true
}

// oneOf checks that v, the value of the required field at path, is in allowed.
func (c *checker) oneOf(path, what, v string, allowed []string) bool {
	if c.missing(path) {
		c.errf(path, "required: one of %s", list(allowed))
		return false
	}
	if !slices.Contains(allowed, v) {
		c.errf(path, "unknown %s %q; allowed: %s", what, v, list(allowed))
		return false
	}
	return true
}

func (c *checker) dist(p string, d *Dist) {
	if !c.oneOf(p+".kind", "kind", d.Kind, distKinds) {
		return
	}
	takes := distParams[d.Kind]
	params := []struct {
		name    string
		nonZero bool
	}{
		{"value", d.Value != 0},
		{"min", d.Min != 0},
		{"mean", d.Mean != 0},
		{"median", d.Median != 0},
		{"sigma", d.Sigma != 0},
	}
	for _, q := range params {
		fp := p + "." + q.name
		switch {
		case slices.Contains(takes, q.name):
			if c.missing(fp) {
				c.errf(fp, "required by kind %s, which takes %s", d.Kind, list(takes))
			}
		case c.written(fp, q.nonZero):
			c.keyf(fp, "not a parameter of kind %s, which takes %s; remove it", d.Kind, list(takes))
		}
	}
	nonNeg := func(name string, v Duration) {
		if v < 0 {
			c.errf(p+"."+name, "must be ≥ 0, got %s", v)
		}
	}
	switch d.Kind {
	case DistConstant:
		nonNeg("value", d.Value)
	case DistShiftedExponential:
		nonNeg("min", d.Min)
		if d.Mean <= 0 && !c.missing(p+".mean") {
			c.errf(p+".mean", "must be > 0, got %s (use kind constant for a fixed latency)", d.Mean)
		}
	case DistLognormal:
		if d.Median <= 0 && !c.missing(p+".median") {
			c.errf(p+".median", "must be > 0, got %s", d.Median)
		}
		if math.IsNaN(d.Sigma) || d.Sigma < 0 || d.Sigma > MaxSigma {
			c.errf(p+".sigma", "must be between 0 and %g, got %s", MaxSigma, num(d.Sigma))
		}
	}
}

func (c *checker) providers(ps []Provider) {
	if len(ps) == 0 {
		if c.missing("providers") {
			c.errf("providers", "required: at least one provider, exactly one of them with role hub")
		} else {
			c.errf("providers", "must list at least one provider, exactly one of them with role hub")
		}
		return
	}
	names := map[string]int{}
	hub, rolesOK := -1, true
	for i, pr := range ps {
		p := fmt.Sprintf("providers[%d]", i)
		switch {
		case c.missing(p + ".name"):
			c.errf(p+".name", `required: a name of lowercase letters, digits and "-"`)
		case !nameSyntax.MatchString(pr.Name):
			c.errf(p+".name", `%q is not a valid name; use lowercase letters a-z, digits and "-"`, pr.Name)
		default:
			if j, dup := names[pr.Name]; dup {
				c.errf(p+".name", "duplicate provider name %q (also providers[%d])", pr.Name, j)
			} else {
				names[pr.Name] = i
			}
		}
		if c.oneOf(p+".role", "role", pr.Role, roles) {
			if pr.Role == RoleHub {
				if hub >= 0 {
					c.errf(p+".role", "a second hub: providers[%d] (%q) is already the hub; exactly one provider has role hub", hub, ps[hub].Name)
				} else {
					hub = i
				}
			}
		} else {
			rolesOK = false
		}
		c.region(p+".region", pr.Region)
		if pr.Cores < 1 || pr.Cores > MaxCores {
			c.errf(p+".cores", "must be between 1 and %d, got %d", MaxCores, pr.Cores)
		}
		if pr.RequestCost <= 0 {
			c.errf(p+".request_cost", "must be > 0, got %s", pr.RequestCost)
		}
		if pr.ByteCost <= 0 {
			c.errf(p+".byte_cost_per_kib", "must be > 0, got %s", pr.ByteCost)
		}
		hubOnly := fmt.Sprintf("only the hub batches notifies (it alone sends them) and %s (%q) is a follower; remove the field", p, pr.Name)
		switch {
		case pr.BatchWindow < 0:
			c.errf(p+".batch_window", "must be ≥ 0 (0 turns batching off), got %s", pr.BatchWindow)
		case pr.BatchWindow > 0 && pr.Role == RoleFollower:
			c.errf(p+".batch_window", "%s", hubOnly)
		}
		switch {
		case pr.BatchMax < 0:
			c.errf(p+".batch_max", "must be ≥ 0 (0: no cap), got %d", pr.BatchMax)
		case pr.BatchMax > 0 && pr.Role == RoleFollower:
			c.errf(p+".batch_max", "%s", hubOnly)
		}
	}
	if hub < 0 && rolesOK {
		c.keyf("providers", "no provider has role hub; exactly one must")
	}
}

func (c *checker) room(s *Scenario, engineOK bool) {
	r := &s.Room
	membersOK := false
	switch {
	case c.missing("room.members"):
		c.errf("room.members", "required: the number of clients in the room, at least 2")
	case r.Members < 2:
		c.errf("room.members", "must be at least 2, got %d", r.Members)
	case r.Members > MaxMembers:
		c.errf("room.members", "must be at most %d, got %d", MaxMembers, r.Members)
	case engineOK && realMembers(s) > c.lim.Engines[s.Engine]:
		if k, _ := SampledK(s.Fidelity); k > 0 {
			c.errf("room.members", "fidelity %s makes %d members real, more than engine %s holds (%d); lower K",
				s.Fidelity, realMembers(s), s.Engine, c.lim.Engines[s.Engine])
		} else {
			c.errf("room.members", "%d exceeds the limit of engine %s, %d members in full fidelity; use fidelity sampled:K for larger rooms",
				r.Members, s.Engine, c.lim.Engines[s.Engine])
		}
	default:
		membersOK = true
	}
	if r.Placement != nil {
		ok := true
		if len(r.Placement) != len(s.Providers) {
			c.errf("room.placement", "has %s but there are %s; give the members of each provider, in providers order",
				plural(len(r.Placement), "entry", "entries"), plural(len(s.Providers), "provider", "providers"))
			ok = false
		}
		sum, overflow := 0, false
		for i, n := range r.Placement {
			if n < 0 {
				c.errf(fmt.Sprintf("room.placement[%d]", i), "must be ≥ 0, got %d", n)
				ok = false
				continue
			}
			if sum > math.MaxInt-n {
				overflow = true
			} else {
				sum += n
			}
		}
		if ok && membersOK && (overflow || sum != r.Members) {
			got := strconv.Itoa(sum)
			if overflow {
				got = "more than " + strconv.Itoa(math.MaxInt)
			}
			c.errf("room.placement", "sums to %s but room.members is %d", got, r.Members)
		}
	}
	sum := 0.0
	sharesOK := true
	for _, t := range sortedKeys(r.Access) {
		p := joinPath("room.access", t)
		if !slices.Contains(c.lim.AccessTypes, t) {
			c.keyf(p, "unknown access type %q; allowed: %s", t, list(c.lim.AccessTypes))
			sharesOK = false
			continue
		}
		v := r.Access[t]
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			c.errf(p, "share must be ≥ 0, got %s", num(v))
			sharesOK = false
			continue
		}
		sum += v
	}
	if sharesOK && len(r.Access) > 0 && math.Abs(sum-1) > ShareTolerance {
		c.errf("room.access", "shares sum to %s; they must sum to 1 (±%g)", num(sum), ShareTolerance)
	}
	if !slices.Contains(c.lim.Devices, r.Device) {
		c.errf("room.device", "unknown device %q; allowed: %s", r.Device, list(c.lim.Devices))
	}
}

func (c *checker) workload(s *Scenario) {
	w := &s.Workload
	c.oneOf("workload.kind", "workload kind", w.Kind, workloads)
	if w.PayloadBytes < 1 || w.PayloadBytes > MaxPayloadBytes {
		c.errf("workload.payload_bytes", "must be between 1 and %d, got %d", MaxPayloadBytes, w.PayloadBytes)
	}
	if w.Kind == WorkloadScript {
		c.script(s)
		return
	}
	if w.Kind == WorkloadOps {
		c.opsWorkload(s)
		return
	}
	if c.written("workload.ops", false) {
		c.keyf("workload.ops", "only for workload kind %s (this workload is %s)", WorkloadOps, w.Kind)
	}
	for _, f := range []string{"commits", "messages", "senders", "gap"} {
		if c.written("workload."+f, false) {
			c.keyf("workload."+f, "only for workload kind %s (this workload is %s)", WorkloadScript, w.Kind)
		}
	}
	switch {
	case c.missing("workload.rate_per_member"):
		c.errf("workload.rate_per_member", "required: messages per second per member, > 0 and at most %g", MaxRatePerMember)
	case math.IsNaN(w.RatePerMember) || w.RatePerMember <= 0 || w.RatePerMember > MaxRatePerMember:
		c.errf("workload.rate_per_member", "must be > 0 and at most %g messages per second, got %s", MaxRatePerMember, num(w.RatePerMember))
	}
}

// script checks the fields of workload kind script.
func (c *checker) script(s *Scenario) {
	w := &s.Workload
	if c.written("workload.rate_per_member", w.RatePerMember != 0) {
		c.keyf("workload.rate_per_member", "only for workload kind %s; a %s workload sends workload.messages messages", WorkloadPoisson, WorkloadScript)
	}
	if w.Commits < 0 || w.Commits > MaxScriptCommits {
		c.errf("workload.commits", "must be between 0 and %d, got %d", MaxScriptCommits, w.Commits)
	}
	if w.Messages < 0 || w.Messages > MaxScriptMessages {
		c.errf("workload.messages", "must be between 0 and %d, got %d", MaxScriptMessages, w.Messages)
	}
	if s.Commits != nil && w.Commits > 0 {
		c.errf("workload.commits", "a %s workload with commits cannot be combined with the commits section; use one or the other", WorkloadScript)
	}
	if w.Commits == 0 && w.Messages == 0 {
		c.errf("workload.messages", "a %s workload needs workload.commits or workload.messages (or both) > 0", WorkloadScript)
	}
	if roomSizeOK(s) && (w.Senders < 1 || w.Senders > realMembers(s)) {
		c.errf("workload.senders", "must be between 1 and the %d real members, got %d", realMembers(s), w.Senders)
	}
	if w.Gap <= 0 {
		c.errf("workload.gap", "must be > 0, got %v", time.Duration(w.Gap))
	} else if w.Messages > 1 && s.Duration > 0 && time.Duration(w.Messages-1)*time.Duration(w.Gap) >= time.Duration(s.Duration) {
		c.errf("workload.gap", "%d messages %v apart fall due over %v, beyond duration %v", w.Messages,
			time.Duration(w.Gap), time.Duration(w.Messages-1)*time.Duration(w.Gap), time.Duration(s.Duration))
	}
}

// opsWorkload checks a workload of kind ops: operations measured one at a time, alone.
func (c *checker) opsWorkload(s *Scenario) {
	w := &s.Workload
	for _, f := range []string{"commits", "messages", "senders"} {
		if c.written("workload."+f, false) {
			c.keyf("workload."+f, "only for workload kind %s (this workload is %s)", WorkloadScript, w.Kind)
		}
	}
	if c.written("workload.rate_per_member", w.RatePerMember != 0) {
		c.errf("workload.rate_per_member", "workload kind %s sends only its ops; remove rate_per_member", WorkloadOps)
	}
	switch {
	case c.missing("workload.ops") || len(w.Ops) == 0:
		c.errf("workload.ops", "required: a list of 1 to %d operations, each one of %s", MaxOps, list(workloadOps))
	case len(w.Ops) > MaxOps:
		c.errf("workload.ops", "has %d operations, at most %d", len(w.Ops), MaxOps)
	default:
		for i, op := range w.Ops {
			if !slices.Contains(workloadOps, op) {
				c.errf(fmt.Sprintf("workload.ops[%d]", i), "unknown operation %q; allowed: %s", op, list(workloadOps))
			}
		}
	}
	switch {
	case c.missing("workload.gap"):
		c.errf("workload.gap", `required: the time between operations, e.g. "10s"`)
	case w.Gap <= 0:
		c.errf("workload.gap", "must be > 0, got %s", w.Gap)
	case len(w.Ops) > 0 && len(w.Ops) <= MaxOps && time.Duration(w.Gap)*time.Duration(len(w.Ops)) > time.Duration(s.Duration):
		c.errf("workload.gap", "%d operations %s apart take %s, longer than duration %s",
			len(w.Ops), w.Gap, time.Duration(w.Gap)*time.Duration(len(w.Ops)), s.Duration)
	}
	for _, f := range []struct {
		path string
		set  bool
	}{{"commits", s.Commits != nil}, {"offline", s.Offline != nil}, {"call", s.Call != nil},
		{"hostile", s.Hostile != nil}, {"churn", s.Churn != nil}, {"faults", s.Faults != nil}, {"attachments", s.Attachments != nil}} {
		if f.set {
			c.errf(f.path, "workload kind %s measures each operation alone; remove %s", WorkloadOps, f.path)
		}
	}
}

// roomSizeOK reports whether room.members is in range, so that counts of members can be
// compared with it.
func roomSizeOK(s *Scenario) bool { return s.Room.Members >= 2 && s.Room.Members <= MaxMembers }

// tooManyMembers says that n members of the room are wanted for a role (committers,
// participants) that only real members can play, and how many there are.
func tooManyMembers(s *Scenario, n int, what string) string {
	if k, _ := SampledK(s.Fidelity); k > 0 {
		return fmt.Sprintf("%d %s, but fidelity %s makes only %d of the room's %d members real; %s must be real members",
			n, what, s.Fidelity, realMembers(s), s.Room.Members, what)
	}
	return fmt.Sprintf("%d %s, but the room has only %d members", n, what, s.Room.Members)
}

func (c *checker) commits(s *Scenario) {
	cm := s.Commits
	if cm == nil {
		return
	}
	switch {
	case c.missing("commits.committers"):
		c.errf("commits.committers", "required: how many members want to commit in each round, at least 1")
	case cm.Committers < 1:
		c.errf("commits.committers", "must be at least 1, got %d", cm.Committers)
	case roomSizeOK(s) && cm.Committers > realMembers(s):
		c.errf("commits.committers", "%s", tooManyMembers(s, cm.Committers, "committers"))
	}
	switch {
	case c.missing("commits.rate"):
		c.errf("commits.rate", "required: commit rounds per second, > 0 and at most %g", MaxCommitRate)
	case math.IsNaN(cm.Rate) || cm.Rate <= 0 || cm.Rate > MaxCommitRate:
		c.errf("commits.rate", "must be > 0 and at most %g commit rounds per second, got %s", MaxCommitRate, num(cm.Rate))
	}
	if cm.MaxAttempts < 0 {
		c.errf("commits.max_attempts", "must be ≥ 0 (0: never give up), got %d", cm.MaxAttempts)
	}
	if !slices.Contains(commitPolicies, cm.Policy) {
		c.errf("commits.policy", "unknown policy %q; allowed: %s", cm.Policy, list(commitPolicies))
		return
	}
	// The policies whose parameters the file must give: the scenario's own and, when the sweep
	// sweeps commits.policy, every policy it sweeps over (each point keeps only its own).
	policies := []string{cm.Policy}
	for _, v := range sweptValues(s, "commits.policy") {
		if t, ok := v.(string); ok && slices.Contains(commitPolicies, t) && !slices.Contains(policies, t) {
			policies = append(policies, t)
		}
	}
	// owner: the policy in play that takes each parameter (the scenario's own first), or else
	// the first policy that takes it.
	var takes []string
	owner := map[string]string{}
	for _, pol := range append(slices.Clone(policies), commitPolicies...) {
		for _, name := range policyParams[pol] {
			if _, ok := owner[name]; !ok {
				owner[name] = pol
			}
			if slices.Contains(policies, pol) && !slices.Contains(takes, name) {
				takes = append(takes, name)
			}
		}
	}
	params := []struct {
		name string
		v    Duration
		msg  string // what is wrong with the value, if anything
	}{
		{"backoff_base", cm.BackoffBase, ""},
		{"backoff_max", cm.BackoffMax, ""},
		{"delay_min", cm.DelayMin, ""},
		{"delay_max", cm.DelayMax, ""},
	}
	switch {
	case cm.BackoffBase <= 0:
		params[0].msg = fmt.Sprintf("must be > 0, got %s", cm.BackoffBase)
	case cm.BackoffMax < cm.BackoffBase:
		params[1].msg = fmt.Sprintf("must be ≥ backoff_base (%s), got %s", cm.BackoffBase, cm.BackoffMax)
	}
	switch {
	case cm.DelayMin < 0:
		params[2].msg = fmt.Sprintf("must be ≥ 0, got %s", cm.DelayMin)
	case cm.DelayMax < cm.DelayMin:
		params[3].msg = fmt.Sprintf("must be ≥ delay_min (%s), got %s", cm.DelayMin, cm.DelayMax)
	}
	for _, q := range params {
		fp := "commits." + q.name
		pol := owner[q.name]
		switch {
		case slices.Contains(policies, pol):
			switch {
			case c.missing(fp):
				by := "policy " + pol
				if pol != cm.Policy {
					by += ", a value of the sweep's commits.policy axis,"
				} else {
					by += ","
				}
				c.errf(fp, "required by %s which takes %s", by, list(policyParams[pol]))
			case q.msg != "":
				c.errf(fp, "%s", q.msg)
			}
		case c.written(fp, q.v != 0):
			if len(policies) == 1 {
				c.keyf(fp, "not a parameter of policy %s, which takes %s; remove it", cm.Policy, orText(list2(takes), "none"))
			} else {
				c.keyf(fp, "not a parameter of the policies %s (commits.policy and its swept values), which take %s; remove it",
					list(policies), orText(list2(takes), "none"))
			}
		}
	}
}

// list2 is list without the message for an empty list.
func list2(vs []string) string { return strings.Join(vs, ", ") }

// sweptValues returns the values, as written, that the sweep's axis of field and the quick
// sweep's values of it give the field (none when no axis sweeps it).
func sweptValues(s *Scenario, field string) []any {
	if s.Sweep == nil {
		return nil
	}
	var out []any
	for _, a := range s.Sweep.Axes {
		if a.Field == field {
			out = append(out, a.Values...)
			if q := s.Sweep.Quick; q != nil {
				out = append(out, q.Values[field]...)
			}
			break
		}
	}
	return out
}

func (c *checker) offline(s *Scenario) {
	o := s.Offline
	if o == nil {
		return
	}
	switch {
	case c.missing("offline.share"):
		c.errf("offline.share", "required: the share of the members that go offline when the window opens, 0 … 1")
	case math.IsNaN(o.Share) || o.Share < 0 || o.Share > 1:
		c.errf("offline.share", "must be a share between 0 and 1, got %s", num(o.Share))
	}
	if c.missing("offline.reconnect") {
		c.errf("offline.reconnect", "required: the distribution of the time a member stays offline, e.g. {kind: shifted_exponential, min: 1s, mean: 10s}")
		return
	}
	c.dist("offline.reconnect", &o.Reconnect)
}

func (c *checker) call(s *Scenario) {
	cl := s.Call
	if cl == nil {
		return
	}
	c.oneOf("call.design", "call design", cl.Design, callDesigns)
	switch {
	case cl.Participants == 0 && !c.written("call.participants", false):
		// Every real member takes part.
	case cl.Participants < 2:
		c.errf("call.participants", "must be at least 2 (the initiator and one callee), got %d", cl.Participants)
	case roomSizeOK(s) && cl.Participants > realMembers(s):
		c.errf("call.participants", "%s", tooManyMembers(s, cl.Participants, "participants"))
	}
	switch {
	case cl.At < 0:
		c.errf("call.at", "must be ≥ 0, got %s", cl.At)
	case s.Duration > 0 && s.Duration <= MaxDuration && cl.At >= s.Duration:
		c.errf("call.at", "must be before the end of the measurement window (duration %s), got %s", s.Duration, cl.At)
	}
	if cl.SignalBytes < 1 || cl.SignalBytes > MaxPayloadBytes {
		c.errf("call.signal_bytes", "must be between 1 and %d, got %d", MaxPayloadBytes, cl.SignalBytes)
	}
	for _, rt := range []struct {
		name string
		v    *int
	}{{"ice_round_trips", cl.ICERoundTrips}, {"dtls_round_trips", cl.DTLSRoundTrips}} {
		if rt.v != nil && (*rt.v < 0 || *rt.v > MaxCallRoundTrips) {
			c.errf("call."+rt.name, "must be between 0 and %d, got %d", MaxCallRoundTrips, *rt.v)
		}
	}
}

// list formats allowed values for messages.
func list(vs []string) string {
	if len(vs) == 0 {
		return "(none: the limits given list no values)"
	}
	return strings.Join(vs, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// MaxMembers bounds room.members in any fidelity.
const MaxMembers = 1_000_000

// ResolveFidelity turns fidelity "auto:K" into "full" when the engine holds a room of members in
// full fidelity (members ≤ limit) and into "sampled:K" otherwise; other fidelities and a
// malformed K are returned unchanged (SampledK reports the latter). Validation resolves it in a
// scenario without a sweep; a sweep's base keeps it, and the world builder resolves each job's.
func ResolveFidelity(f string, members, limit int) string {
	rest, ok := strings.CutPrefix(f, "auto:")
	if !ok {
		return f
	}
	if k, err := strconv.Atoi(rest); err != nil || k < 1 {
		return f
	}
	if members <= limit {
		return DefaultFidelity
	}
	return "sampled:" + rest
}

// SampledK reads a fidelity: "full" gives 0; "sampled:K" gives K ≥ 1, the number of real members
// per provider (the others are modelled).
func SampledK(f string) (int, error) {
	if f == DefaultFidelity {
		return 0, nil
	}
	if rest, ok := strings.CutPrefix(f, "auto:"); ok {
		if k, err := strconv.Atoi(rest); err != nil || k < 1 {
			return 0, fmt.Errorf("%q: K must be a whole number ≥ 1", f)
		}
		return 0, fmt.Errorf("%q is resolved with the engine's limit, and the engine is unknown", f)
	}
	rest, ok := strings.CutPrefix(f, "sampled:")
	if !ok {
		return 0, fmt.Errorf("%q is not available; allowed: full, sampled:K (K ≥ 1 real members per provider), auto:K (full where the engine holds the room, else sampled:K)", f)
	}
	k, err := strconv.Atoi(rest)
	if err != nil || k < 1 {
		return 0, fmt.Errorf("%q: K must be a whole number ≥ 1", f)
	}
	return k, nil
}

// realMembers is the number of members that run a real MLS state: all of them in full
// fidelity, at most K per provider in sampled fidelity.
func realMembers(s *Scenario) int {
	k, err := SampledK(s.Fidelity)
	if err != nil || k == 0 {
		return s.Room.Members
	}
	placement := s.Room.Placement
	if placement == nil {
		placement = RoundRobin(s.Room.Members, max(1, len(s.Providers)))
	}
	n := 0
	for _, p := range placement {
		n += min(p, k)
	}
	return n
}
