package network

import (
	"slices"
	"time"
)

// Access describes a last-mile access type: the one-way latency between a node and the edge of
// its region's network, the node's own link rates, and a per-message loss probability.
type Access struct {
	// Latency is the one-way last-mile latency, drawn once per end per transmission.
	Latency Dist
	// UplinkMbps and DownlinkMbps are the node's link rates in megabits (10⁶ bits) per second;
	// 0 means unlimited (no serialisation delay, no queueing).
	UplinkMbps, DownlinkMbps float64
	// Loss is the probability, in [0, 0.5], that a message sent or received over this access
	// is lost and must be retransmitted (see Config.RetransmitTimeout).
	Loss float64
}

// DefaultAccess returns the built-in access types, as a new map the caller may modify:
//
//	type        one-way latency                                  mean    up / down Mbps
//	wired       shifted_exponential(min=3ms, mean=2ms)           5 ms    38 / 84
//	wifi        lognormal(median=5ms, sigma=0.5)                 5.7 ms  27 / 59
//	lte         shifted_exponential(min=12ms, mean=13ms)        25 ms     6 / 21
//	5g          shifted_exponential(min=10ms, mean=5ms)         15 ms    21 / 203
//	datacenter  constant(0)                                      0       unlimited
//
// Latency is one way, from the device to its region's edge, so twice the mean is comparable to
// a speed-test round trip to a nearby server. Sources (details and caveats in SOURCES.md):
//
//   - wired: Ookla's global median fixed-broadband latency of 10 ms (round trip, November 2022)
//     gives the 5 ms mean; the 3 ms floor and the exponential tail are a judgement. Rates are
//     Ookla's global fixed medians for Q3 2023: 83.95 Mbps down, 38.32 Mbps up ("The State of
//     Worldwide Connectivity in 2023").
//   - wifi: wired plus a home Wi-Fi hop. Epitiro's four-country study (2011) found Wi-Fi users
//     saw 10–20% more latency and 30% less download speed than Ethernet users. The rates are
//     wired × 0.7; the mean, 5.7 ms, is wired + 13%; the log-normal shape (median 5 ms,
//     σ = 0.5, a spread for contention on a shared channel) is a judgement. Sharma et al., arXiv:2311.05499, find the home Wi-Fi is
//     often the throughput bottleneck.
//   - lte: Opensignal's State of Mobile USA (May 2019) measured 4G latency of 44.1–66.4 ms
//     (round trip) and 21.3 / 6.3 Mbps down / up; the 25 ms one-way mean sits in that range.
//     The 12 ms floor follows Rizvi, Heidemann and Plonka, arXiv:2507.18834 (2025): only the
//     top 5% of mobile users regularly see a minimum latency under 20 ms.
//   - 5g: Ookla's global median 5G rates, 203.04 Mbps down (Q3 2023) and 21.08 Mbps up
//     (Q3 2021). Latency: Ookla's global mobile median was 28 ms round trip in November 2022;
//     the 10 ms floor (20 ms round trip) is again the arXiv:2507.18834 minimum, and the 5 ms
//     mean excess a judgement.
//   - datacenter: a server inside the region (a provider's front end). A judgement: the hop to
//     it is already charged by the region's intra-region RTT.
//
// Loss is 0 for every type, a judgement: TCP and QUIC repair packet loss below the message
// layer, where it shows up as latency, and no source above gives a message-level failure rate.
// Scenarios that study loss set it explicitly.
func DefaultAccess() map[string]Access {
	return map[string]Access{
		"wired": {
			Latency:    ShiftedExponential(3*time.Millisecond, 2*time.Millisecond),
			UplinkMbps: 38, DownlinkMbps: 84,
		},
		"wifi": {
			Latency:    LogNormal(5*time.Millisecond, 0.5),
			UplinkMbps: 27, DownlinkMbps: 59,
		},
		"lte": {
			Latency:    ShiftedExponential(12*time.Millisecond, 13*time.Millisecond),
			UplinkMbps: 6, DownlinkMbps: 21,
		},
		"5g": {
			Latency:    ShiftedExponential(10*time.Millisecond, 5*time.Millisecond),
			UplinkMbps: 21, DownlinkMbps: 203,
		},
		"datacenter": {
			Latency: Constant(0),
		},
	}
}

// AccessTypes returns the names of the built-in access types, sorted.
func AccessTypes() []string {
	m := DefaultAccess()
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
