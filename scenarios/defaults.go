package scenarios

// Defaults fills every absent (zero) optional field with its documented default:
//
//	seed                          1
//	engine                        "gomls"
//	fidelity                      "full"
//	time_mode                     "calibrated"
//	network.retransmit_timeout    200ms
//	providers[i].cores            4
//	providers[i].request_cost     50µs
//	providers[i].byte_cost_per_kib 2µs
//	room.placement                round-robin: provider k of P gets ⌈(members−k)/P⌉
//	room.access                   {wifi: 1}
//	room.device                   "phone"
//	workload.payload_bytes        100
//	commits.policy                "immediate" (when there is a commits section)
//	call.signal_bytes             2000 (when there is a call section)
//	call.ice_round_trips          2 (when there is a call section)
//	call.dtls_round_trips         2 (when there is a call section)
//	hostile.hold_max              1s (when there is a hostile section)
//	sweep.replications            1 (when there is a sweep)
//	sweep.quick.replications      2 (when there is a quick section)
//
// network.loss defaults to 0 and network.rtt and network.access to no overrides, which are their
// zero values; so do providers[i].batch_window and providers[i].batch_max (0: no batching),
// commits.max_attempts (0: never give up), call.at (0: when the window opens), hostile.tamper,
// hostile.replay, hostile.reorder, churn.leave_rate, churn.join_rate, churn.joiners (0) and
// churn.rejoin (false). The commits, offline, call, hostile and churn sections are off when
// absent (nil) and stay so. Required fields (name, duration, providers with name, role and
// region, room.members, workload.kind, workload.rate_per_member, commits.committers,
// commits.rate, offline.share, offline.reconnect, call.design, call.participants,
// hostile.provider), the parameters of a Dist and those of a commit policy have no default. Defaults is idempotent. room.placement is filled only when it is nil and there are
// providers and a positive member count; code that changes room.members or the providers of a
// parsed scenario sets room.placement to nil before calling Defaults again.
//
// Parse calls Defaults after rejecting fields written with the zero value (seed: 0, cores: 0,
// engine: "", …), so a written value is never replaced.
func (s *Scenario) Defaults() {
	if s.Seed == 0 {
		s.Seed = DefaultSeed
	}
	if s.Engine == "" {
		s.Engine = DefaultEngine
	}
	if s.Fidelity == "" {
		s.Fidelity = DefaultFidelity
	}
	if s.TimeMode == "" {
		s.TimeMode = DefaultTimeMode
	}
	if s.Network.RetransmitTimeout == 0 {
		s.Network.RetransmitTimeout = DefaultRetransmitTimeout
	}
	for i := range s.Providers {
		p := &s.Providers[i]
		if p.Cores == 0 {
			p.Cores = DefaultCores
		}
		if p.RequestCost == 0 {
			p.RequestCost = DefaultRequestCost
		}
		if p.ByteCost == 0 {
			p.ByteCost = DefaultByteCost
		}
	}
	if s.Room.Placement == nil && len(s.Providers) > 0 && s.Room.Members > 0 {
		s.Room.Placement = RoundRobin(s.Room.Members, len(s.Providers))
	}
	if len(s.Room.Access) == 0 {
		s.Room.Access = map[string]float64{DefaultAccessType: 1}
	}
	if s.Room.Device == "" {
		s.Room.Device = DefaultDevice
	}
	if s.Workload.PayloadBytes == 0 {
		s.Workload.PayloadBytes = DefaultPayloadBytes
	}
	if h := s.Hostile; h != nil && h.HoldMax == 0 {
		h.HoldMax = DefaultHoldMax
	}
	if s.Faults != nil {
		s.Faults.defaults()
	}
	if s.Workload.Kind == WorkloadScript {
		if s.Workload.Senders == 0 {
			s.Workload.Senders = 1
		}
		if s.Workload.Gap == 0 {
			s.Workload.Gap = DefaultScriptGap
		}
	}
	if c := s.Commits; c != nil && c.Policy == "" {
		c.Policy = DefaultCommitPolicy
	}
	if c := s.Call; c != nil {
		if c.SignalBytes == 0 {
			c.SignalBytes = DefaultSignalBytes
		}
		if c.ICERoundTrips == nil {
			c.ICERoundTrips = new(int(DefaultCallRoundTrips))
		}
		if c.DTLSRoundTrips == nil {
			c.DTLSRoundTrips = new(int(DefaultCallRoundTrips))
		}
	}
	if a := s.Attachments; a != nil {
		if a.Download == "" {
			a.Download = DefaultDownload
		}
		for i := range a.Kinds {
			if a.Kinds[i].ContentType == "" {
				a.Kinds[i].ContentType = DefaultContentType
			}
		}
	}
	if s.Sweep != nil {
		if s.Sweep.Replications == 0 {
			s.Sweep.Replications = DefaultReplications
		}
		if q := s.Sweep.Quick; q != nil && q.Replications == 0 {
			q.Replications = DefaultQuickReplications
		}
	}
}

// RoundRobin returns the default placement of members over n providers: member i goes to
// provider i mod n, so provider k gets ⌈(members−k)/n⌉. It returns nil if n ≤ 0 or
// members < 0.
func RoundRobin(members, n int) []int {
	if n <= 0 || members < 0 {
		return nil
	}
	out := make([]int, n)
	for k := range out {
		out[k] = members / n
		if k < members%n {
			out[k]++
		}
	}
	return out
}
