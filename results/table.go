package results

import (
	"iter"
	"math/bits"
	"strings"
	"unsafe"
)

// tableChunk is the number of observations per chunk of a Table.
const tableChunk = 1 << 13

// Table holds observations compactly, for runs with millions of them: the five strings of an
// observation are interned (a run has few distinct metrics, units, groups and client ids), and
// the observations are kept in columns, in fixed-size chunks, so that one takes 36 bytes
// instead of the ≈ 100 of an [Observation] and appending never copies what is already stored.
// The zero Table is empty and ready to use; a Table is not safe for concurrent use. Compare
// tables by their observations (Slice), not with reflect.DeepEqual: the internal caches
// depend on where the strings handed in are stored.
//
// [WriteTable] and [SummarizeTable] read a Table without materialising an Observation per row;
// [Write] and [Summarize] take a slice and give the same results.
type Table struct {
	strs   []string          // interned strings by id; strs[0] is ""
	ids    map[string]uint32 // id of each interned string
	cache  internCache       // recently interned strings, by address
	series []seriesKey       // (metric, unit, group) by series id
	sids   map[seriesKey]uint32
	recent [64]recentSeries // series recently added to, by the address of their group's bytes
	chunks []*chunk
	n      int
}

// internCache remembers interned strings in slots chosen by the address of their bytes: the
// same string value handed in again (a client's id, a metric name constant) is found without
// hashing it. A slot only serves a string equal to the one it holds, so the address only picks
// the slot and never decides an id. The cache has at least twice as many slots as there are
// interned strings, so that cycling through thousands of client ids still hits.
type internCache []struct {
	s  string
	id uint32
}

// recentSeries remembers the id of a series by its strings, so that adding to a series seen
// recently costs three string comparisons that are usually pointer comparisons.
type recentSeries struct {
	metric, unit, group string
	id                  uint32
	ok                  bool
}

// seriesKey is the interned (metric, unit, group) of an observation.
type seriesKey struct{ metric, unit, group uint32 }

// chunk holds tableChunk observations in columns.
type chunk struct {
	series [tableChunk]uint32
	source [tableChunk]uint32
	target [tableChunk]uint32
	timeNs [tableChunk]int64
	id     [tableChunk]int64
	value  [tableChunk]float64
}

// TableOf returns a Table holding obs, in order.
func TableOf(obs []Observation) *Table {
	t := new(Table)
	t.Add(obs...)
	return t
}

// Len returns the number of observations in t.
func (t *Table) Len() int { return t.n }

// intern returns the id of s, adding it if it is new.
func (t *Table) intern(s string) uint32 {
	if s == "" {
		return 0
	}
	if t.cache == nil {
		t.cache = make(internCache, 256)
		t.ids = make(map[string]uint32)
	}
	if t.strs == nil {
		t.strs = []string{""}
	}
	slot := &t.cache[cacheSlot(s, len(t.cache))]
	if slot.s == s {
		return slot.id
	}
	id, ok := t.ids[s]
	if !ok {
		id = uint32(len(t.strs))
		c := strings.Clone(s) // s may be part of a larger string, e.g. a CSV line
		t.strs = append(t.strs, c)
		t.ids[c] = id
		if 2*len(t.strs) > len(t.cache) {
			t.cache = make(internCache, 4*len(t.cache)) // refilled by the misses that follow
			slot = &t.cache[cacheSlot(s, len(t.cache))]
		}
	}
	slot.s, slot.id = s, id
	return id
}

// cacheSlot returns the slot of s in an internCache of n slots (a power of two).
func cacheSlot(s string, n int) int {
	h := uint64(uintptr(unsafe.Pointer(unsafe.StringData(s))))
	h ^= uint64(len(s))
	h *= 0x9e3779b97f4a7c15 // Fibonacci hashing: the high bits depend on every bit of h
	return int(h >> (64 - bits.TrailingZeros(uint(n))))
}

// seriesOf returns the series id of (metric, unit, group), adding it if it is new.
func (t *Table) seriesOf(metric, unit, group string) uint32 {
	r := &t.recent[cacheSlot(group, len(t.recent))^cacheSlot(metric, len(t.recent))]
	if r.ok && r.group == group && r.metric == metric && r.unit == unit {
		return r.id
	}
	k := seriesKey{t.intern(metric), t.intern(unit), t.intern(group)}
	id, ok := t.sids[k]
	if !ok {
		if t.sids == nil {
			t.sids = make(map[seriesKey]uint32)
		}
		id = uint32(len(t.series))
		t.series = append(t.series, k)
		t.sids[k] = id
	}
	*r = recentSeries{metric: metric, unit: unit, group: group, id: id, ok: true}
	return id
}

// Add appends observations to t.
func (t *Table) Add(obs ...Observation) {
	for i := range obs {
		o := &obs[i]
		series := t.seriesOf(o.Metric, o.Unit, o.Group)
		source := t.intern(o.Source)
		t.AddIDs(series, source, t.intern(o.Target), o.TimeNs, o.ID, o.Value)
	}
}

// Intern returns the id of s among t's strings, adding it if it is new: the source or target
// of an observation added with AddIDs. Ids are given in the order strings are first seen, so
// a caller that keeps ids for later must get them in the order Add would have seen the strings
// for t to be the same as one built with Add.
func (t *Table) Intern(s string) uint32 { return t.intern(s) }

// Series returns the id of the series (metric, unit, group), adding it (and interning its
// strings, in that order) if it is new.
func (t *Table) Series(metric, unit, group string) uint32 { return t.seriesOf(metric, unit, group) }

// AddIDs appends one observation whose series and strings are given by ids from Series and
// Intern of t: Add(o) is AddIDs(Series(o.Metric, o.Unit, o.Group), Intern(o.Source),
// Intern(o.Target), o.TimeNs, o.ID, o.Value). Hot paths keep the ids of their strings and skip
// the lookups. It panics on an id t has not given.
func (t *Table) AddIDs(series, source, target uint32, timeNs, id int64, value float64) {
	if t.strs == nil {
		t.strs = []string{""}
	}
	if int(series) >= len(t.series) || int(source) >= len(t.strs) || int(target) >= len(t.strs) {
		panic("results: Table.AddIDs with an id the table has not given")
	}
	j := t.n % tableChunk
	if j == 0 {
		t.chunks = append(t.chunks, new(chunk))
	}
	c := t.chunks[len(t.chunks)-1]
	c.series[j] = series
	c.source[j] = source
	c.target[j] = target
	c.timeNs[j] = timeNs
	c.id[j] = id
	c.value[j] = value
	t.n++
}

// At returns observation i (0 ≤ i < Len()).
func (t *Table) At(i int) Observation {
	if i < 0 || i >= t.n {
		panic("results: Table.At index out of range")
	}
	c, j := t.chunks[i/tableChunk], i%tableChunk
	s := t.series[c.series[j]]
	return Observation{
		Metric: t.strs[s.metric], Unit: t.strs[s.unit], Group: t.strs[s.group],
		TimeNs: c.timeNs[j], Source: t.strs[c.source[j]], Target: t.strs[c.target[j]],
		ID: c.id[j], Value: c.value[j],
	}
}

// All returns the observations of t in order, with their index.
func (t *Table) All() iter.Seq2[int, Observation] {
	return func(yield func(int, Observation) bool) {
		for i := range t.n {
			if !yield(i, t.At(i)) {
				return
			}
		}
	}
}

// Slice returns the observations of t as a new slice.
func (t *Table) Slice() []Observation {
	out := make([]Observation, t.n)
	for i := range out {
		out[i] = t.At(i)
	}
	return out
}

// rows calls f with the columns of every chunk of t, in order; each column has the chunk's
// length.
func (t *Table) rows(f func(series, source, target []uint32, timeNs, id []int64, value []float64)) {
	for k, c := range t.chunks {
		n := tableChunk
		if k == len(t.chunks)-1 {
			n = t.n - k*tableChunk
		}
		f(c.series[:n], c.source[:n], c.target[:n], c.timeNs[:n], c.id[:n], c.value[:n])
	}
}

// seriesCounts returns the number of observations of each series.
func (t *Table) seriesCounts() []int {
	counts := make([]int, len(t.series))
	t.rows(func(series, _, _ []uint32, _, _ []int64, _ []float64) {
		for _, s := range series {
			counts[s]++
		}
	})
	return counts
}

// unitOf returns the unit of the first observation of metric, "" if it has none.
func (t *Table) unitOf(metric string) string {
	for _, k := range t.series {
		if t.strs[k.metric] == metric {
			return t.strs[k.unit]
		}
	}
	return ""
}

// chunkRows returns the columns of chunk k of t, each of the chunk's length.
func (t *Table) chunkRows(k int) (series, source, target []uint32, timeNs, id []int64, value []float64) {
	c, n := t.chunks[k], tableChunk
	if k == len(t.chunks)-1 {
		n = t.n - k*tableChunk
	}
	return c.series[:n], c.source[:n], c.target[:n], c.timeNs[:n], c.id[:n], c.value[:n]
}
