package main

import (
	"strings"
	"testing"

	"github.com/mimisim/mimisim/models/cost"
	"github.com/mimisim/mimisim/models/mls"
)

func TestParse(t *testing.T) {
	in := `goos: linux
cpu: Some CPU @ 2.0GHz
BenchmarkGoMLS/op=commit_update/members=2         	     260	    400 ns/op	       497.0 bytes/op	   80944 B/op	    1080 allocs/op
BenchmarkGoMLS/op=commit_update/members=2         	     260	    100 ns/op	       497.0 bytes/op	   80944 B/op	    1080 allocs/op
BenchmarkGoMLS/op=commit_update/members=2         	     260	    300 ns/op
BenchmarkGoMLS/op=join/members=32-2               	     100	    1.5e+06 ns/op
BenchmarkGoMLS/op=join/members=4                  	     100	    20 ns/op
BenchmarkOther 1 5 ns/op
PASS
`
	res, err := parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if res.cpu != "Some CPU @ 2.0GHz" {
		t.Errorf("cpu %q", res.cpu)
	}
	got := res.points()
	want := []cost.Point{
		{Op: mls.OpCommitUpdate, Members: 2, NsPerOp: 300}, // median of 400, 100, 300
		{Op: mls.OpJoin, Members: 4, NsPerOp: 20},
		{Op: mls.OpJoin, Members: 32, NsPerOp: 1.5e6},
	}
	if len(got) != len(want) {
		t.Fatalf("points %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("point %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if _, err := parse(strings.NewReader("PASS\n")); err == nil {
		t.Error("parse accepted input without benchmark lines")
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{[]float64{5}, 5}, {[]float64{3, 1}, 2}, {[]float64{9, 1, 5}, 5}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
