package bench

import (
	"fmt"
	"testing"

	"github.com/mimisim/mimisim/bench/calib"
	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/models/mls/gomls"
)

// sizes are the group sizes the cost tables are measured at.
var sizes = []int{2, 4, 8, 16, 32, 64, 128}

// BenchmarkGoMLS measures every mls.Op of the gomls engine at every size; its output is the input
// of bench/cmd/costtable. members=n is the group size before the operation: commit_add adds an
// (n+1)-th member, join enters a group of n members (the Welcome of that add), process_commit is
// the last member processing an Update commit of leaf 0 (calib.Fixture.Prepare says what is
// prepared and what is timed). Besides time and allocations it reports bytes/op, the size of the
// message the op makes or reads (none for create_group and export).
func BenchmarkGoMLS(b *testing.B) {
	f := calib.NewFixture(gomls.New())
	for _, op := range mls.Ops {
		b.Run("op="+string(op), func(b *testing.B) {
			for _, n := range sizes {
				b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
					benchOp(b, f, op, n)
				})
			}
		})
	}
}

func benchOp(b *testing.B, f *calib.Fixture, op mls.Op, n int) {
	run, err := f.Prepare(op, n, b.N)
	if err != nil {
		b.Fatal(err)
	}
	size := -1
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if size, err = run(i); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if size >= 0 {
		b.ReportMetric(float64(size), "bytes/op")
	}
}
