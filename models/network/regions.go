package network

import (
	"slices"
	"time"
)

// IntraRegionRTT is the round-trip time RegionRTT gives between two endpoints in the same
// region. It is a judgement between the same-zone and cross-zone figures a cloud provider
// publishes: IBM Cloud's VPC latency tables (ibm-cloud-docs/vpc, network-latency.md, monthly
// tables May–Oct 2024) give about 0.09 ms within a zone and 1.5–2.4 ms between zones of one
// region. See SOURCES.md.
const IntraRegionRTT = time.Millisecond

// builtinRegions are the built-in region names, sorted.
var builtinRegions = []string{
	"ap-northeast-1",
	"ap-southeast-1",
	"eu-central-1",
	"eu-west-1",
	"sa-east-1",
	"us-east-1",
	"us-west-2",
}

// builtinRTT holds one entry per unordered pair of distinct built-in regions.
//
// Source: Microsoft Learn, "Azure network round-trip latency statistics", dataset taken on
// 30 July 2026 covering the 30 days to that date: the monthly P95 of round trips between Azure
// regions, probed every minute. Each AWS-style name stands for the Azure region in the same
// metropolitan area (a judgement: the names are the ones scenarios use, the figures are
// Azure's):
//
//	eu-west-1      Dublin      North Europe
//	eu-central-1   Frankfurt   Germany West Central
//	us-east-1      Virginia    East US
//	us-west-2      Oregon      West US 2 (Washington State, about 150 km north)
//	ap-southeast-1 Singapore   Southeast Asia
//	ap-northeast-1 Tokyo       Japan East
//	sa-east-1      São Paulo   Brazil South
//
// The published table is per direction; each entry here is the mean of the two directions
// (they differ by at most 10 ms). Being P95 values they sit above typical medians: against
// CloudPing's AWS figures for the same pairs (SOURCES.md) they run from 2% lower to 19% higher,
// except Singapore–Dublin, 30% higher (Azure's 236 ms against AWS's 181.5 ms).
var builtinRTT = []RTTOverride{
	{"ap-northeast-1", "ap-southeast-1", 74 * time.Millisecond},
	{"ap-northeast-1", "eu-central-1", 248 * time.Millisecond},
	{"ap-northeast-1", "eu-west-1", 232 * time.Millisecond},
	{"ap-northeast-1", "sa-east-1", 270 * time.Millisecond},
	{"ap-northeast-1", "us-east-1", 165 * time.Millisecond},
	{"ap-northeast-1", "us-west-2", 102500 * time.Microsecond},
	{"ap-southeast-1", "eu-central-1", 179 * time.Millisecond},
	{"ap-southeast-1", "eu-west-1", 236 * time.Millisecond},
	{"ap-southeast-1", "sa-east-1", 337 * time.Millisecond},
	{"ap-southeast-1", "us-east-1", 229 * time.Millisecond},
	{"ap-southeast-1", "us-west-2", 165 * time.Millisecond},
	{"eu-central-1", "eu-west-1", 28500 * time.Microsecond},
	{"eu-central-1", "sa-east-1", 200 * time.Millisecond},
	{"eu-central-1", "us-east-1", 97 * time.Millisecond},
	{"eu-central-1", "us-west-2", 159500 * time.Microsecond},
	{"eu-west-1", "sa-east-1", 176 * time.Millisecond},
	{"eu-west-1", "us-east-1", 75 * time.Millisecond},
	{"eu-west-1", "us-west-2", 135500 * time.Microsecond},
	{"sa-east-1", "us-east-1", 120 * time.Millisecond},
	{"sa-east-1", "us-west-2", 179 * time.Millisecond},
	{"us-east-1", "us-west-2", 75500 * time.Microsecond},
}

// rttTable is a square matrix of round-trip times indexed by region number; a negative entry
// means "unknown".
type rttTable struct {
	names []string
	index map[string]int
	rtt   []time.Duration // len(names)², row-major
}

func (t *rttTable) at(a, b int) time.Duration { return t.rtt[a*len(t.names)+b] }

func (t *rttTable) set(a, b int, d time.Duration) {
	n := len(t.names)
	t.rtt[a*n+b] = d
	t.rtt[b*n+a] = d
}

// newRTTTable returns a table over the given names (which must be unique) with the intra-region
// RTT on the diagonal and every other entry unknown.
func newRTTTable(names []string) *rttTable {
	t := &rttTable{names: names, index: make(map[string]int, len(names)), rtt: make([]time.Duration, len(names)*len(names))}
	for i, name := range names {
		t.index[name] = i
	}
	for i := range t.rtt {
		t.rtt[i] = -1
	}
	for i := range names {
		t.set(i, i, IntraRegionRTT)
	}
	return t
}

var builtin = func() *rttTable {
	t := newRTTTable(builtinRegions)
	for _, e := range builtinRTT {
		t.set(t.index[e.A], t.index[e.B], e.RTT)
	}
	return t
}()

// Regions returns the names of the built-in regions, sorted.
func Regions() []string { return slices.Clone(builtinRegions) }

// RegionRTT returns the built-in round-trip time between regions a and b, and whether both are
// built-in regions. The table is symmetric; a region to itself gives IntraRegionRTT. The
// inter-region figures are Microsoft's published Azure P95 round trips of 30 July 2026 for the
// Azure region in the same metropolitan area (see builtinRTT and SOURCES.md).
func RegionRTT(a, b string) (time.Duration, bool) {
	i, ok := builtin.index[a]
	if !ok {
		return 0, false
	}
	j, ok := builtin.index[b]
	if !ok {
		return 0, false
	}
	return builtin.at(i, j), true
}
