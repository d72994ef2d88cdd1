package network

import (
	"math"
	"slices"
	"testing"
	"time"
)

func TestRegionsBuiltin(t *testing.T) {
	regions := Regions()
	if !slices.IsSorted(regions) {
		t.Errorf("Regions() not sorted: %v", regions)
	}
	for _, want := range []string{"eu-west-1", "eu-central-1", "us-east-1", "us-west-2",
		"ap-southeast-1", "ap-northeast-1", "sa-east-1"} {
		if !slices.Contains(regions, want) {
			t.Errorf("Regions() lacks %s", want)
		}
	}
	regions[0] = "mutated"
	if Regions()[0] == "mutated" {
		t.Error("Regions() returned the package's own slice")
	}
	if got := len(builtinRTT); got != len(builtinRegions)*(len(builtinRegions)-1)/2 {
		t.Errorf("builtinRTT has %d entries, want one per pair", got)
	}
	for _, a := range Regions() {
		for _, b := range Regions() {
			ab, ok1 := RegionRTT(a, b)
			ba, ok2 := RegionRTT(b, a)
			if !ok1 || !ok2 || ab != ba {
				t.Errorf("RegionRTT(%s, %s) = %v %v, reverse %v %v", a, b, ab, ok1, ba, ok2)
			}
			if a == b && ab != IntraRegionRTT {
				t.Errorf("RegionRTT(%s, %s) = %v, want IntraRegionRTT", a, b, ab)
			}
			if a != b && ab <= IntraRegionRTT {
				t.Errorf("RegionRTT(%s, %s) = %v, not above the intra-region RTT", a, b, ab)
			}
		}
	}
	for _, pair := range [][2]string{{"eu-west-1", "mars-1"}, {"mars-1", "eu-west-1"}, {"", ""}} {
		if _, ok := RegionRTT(pair[0], pair[1]); ok {
			t.Errorf("RegionRTT(%q, %q) reported a known pair", pair[0], pair[1])
		}
	}
}

// TestRegionRTTPhysics checks every built-in figure against the great-circle distance d between
// the regions' metropolitan areas: a round trip in fibre (light at 2/3 c) cannot take less than
// 2d / (2c/3), and published inter-region RTTs stay within three times that bound plus 10 ms.
// A typo in the table (a digit too many or too few) fails one of the two.
func TestRegionRTTPhysics(t *testing.T) {
	coords := map[string][2]float64{ // latitude, longitude in degrees
		"eu-west-1":      {53.35, -6.26},   // Dublin
		"eu-central-1":   {50.11, 8.68},    // Frankfurt
		"us-east-1":      {39.04, -77.49},  // Ashburn, Virginia
		"us-west-2":      {45.84, -119.70}, // Boardman, Oregon
		"ap-southeast-1": {1.35, 103.82},   // Singapore
		"ap-northeast-1": {35.68, 139.69},  // Tokyo
		"sa-east-1":      {-23.55, -46.63}, // São Paulo
	}
	const (
		earthRadiusKm = 6371.0
		fibreKmPerSec = 299_792.458 * 2 / 3
	)
	rad := func(deg float64) float64 { return deg * math.Pi / 180 }
	for _, e := range builtinRTT {
		a, b := coords[e.A], coords[e.B]
		dlat, dlon := rad(b[0]-a[0]), rad(b[1]-a[1])
		h := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(rad(a[0]))*math.Cos(rad(b[0]))*math.Sin(dlon/2)*math.Sin(dlon/2)
		km := 2 * earthRadiusKm * math.Asin(math.Sqrt(h))
		floor := time.Duration(2 * km / fibreKmPerSec * 1e9)
		ceiling := 3*floor + 10*time.Millisecond
		if e.RTT < floor || e.RTT > ceiling {
			t.Errorf("%s–%s: RTT %v outside [%v, %v] for %.0f km", e.A, e.B, e.RTT, floor, ceiling, km)
		}
	}
}
