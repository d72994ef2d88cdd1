package world

import "github.com/mimisim/mimisim/results"

// obsChunk is the number of observations per chunk of an obsLog.
const obsChunk = 1 << 14

// obsLog collects observations in fixed-size chunks: appending never copies what is already
// there (a growing slice would copy everything at every doubling, and briefly hold two copies
// of millions of observations).
type obsLog struct {
	chunks [][]results.Observation
	n      int
}

func (l *obsLog) add(os ...results.Observation) {
	for _, o := range os {
		if len(l.chunks) == 0 || len(l.chunks[len(l.chunks)-1]) == obsChunk {
			l.chunks = append(l.chunks, make([]results.Observation, 0, obsChunk))
		}
		last := &l.chunks[len(l.chunks)-1]
		*last = append(*last, o)
		l.n++
	}
}

// flatten returns the observations in order, in one slice of exact size, releasing each chunk
// as soon as it is copied.
func (l *obsLog) flatten() []results.Observation {
	out := make([]results.Observation, 0, l.n)
	for i := range l.chunks {
		out = append(out, l.chunks[i]...)
		l.chunks[i] = nil
	}
	l.chunks, l.n = nil, 0
	return out
}
