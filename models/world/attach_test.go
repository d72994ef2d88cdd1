package world

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mimisim/mimisim/models/content"
	"github.com/mimisim/mimisim/models/network"
)

var testKinds = []AttachmentKind{
	{Name: "image", Bytes: 150_000, Rate: 0.05, ContentType: "image/jpeg"},
	{Name: "video", Bytes: 2_000_000, Rate: 0.05, ContentType: "video/mp4"},
}

// attachRun runs six members over three providers with attachments, and returns the result,
// the bodies the providers received on the MIMI wire, and phase latencies by phase.
func attachRun(t *testing.T, download string, extra string) (*Result, [][]byte, map[string][]float64) {
	t.Helper()
	sc := parse(t, smallScenario(6, 4, extra))
	var tapped [][]byte
	var providers map[network.NodeID]bool
	w, err := Build(sc, Options{Engine: engine(t), Cost: linearCost{},
		Attachments: &AttachmentWorkload{Kinds: testKinds, Download: download},
		Tap: func(from, to network.NodeID, body []byte) {
			if providers[to] {
				tapped = append(tapped, bytes.Clone(body))
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	providers = map[network.NodeID]bool{}
	for _, p := range w.Providers {
		providers[p.Node()] = true
	}
	res, err := w.Run()
	if err != nil {
		t.Fatal(err)
	}
	phase := map[string][]float64{}
	for _, o := range res.Observations.All() {
		if o.Metric == MetricPhase {
			phase[o.Group] = append(phase[o.Group], o.Value)
		}
	}
	return res, tapped, phase
}

func mean(vs []float64) float64 {
	s := 0.0
	for _, v := range vs {
		s += v
	}
	return s / float64(len(vs))
}

func TestAttachments(t *testing.T) {
	for _, download := range DownloadModes {
		t.Run(download, func(t *testing.T) {
			res, tapped, phase := attachRun(t, download, "")
			w := res.World
			// Every attachment message was decrypted by every other member and each download
			// finished (Run checks both); each recipient's phase latency is recorded.
			refs := 0
			for _, m := range w.Ledger.Messages() {
				if !strings.HasPrefix(m.Tag, attachTagPrefix) {
					continue
				}
				refs++
				ref, _, err := content.Decode(m.Body())
				if err != nil {
					t.Fatal(err)
				}
				// The key travels only inside MLS ciphertexts: no provider saw it in clear.
				for _, b := range tapped {
					if bytes.Contains(b, ref.Key) {
						t.Fatalf("a provider received the key of %s", ref.URL)
					}
				}
			}
			if refs == 0 {
				t.Fatal("no attachment was sent")
			}
			n := len(phase["image"]) + len(phase["video"])
			if n != refs*(res.Members-1) || w.attach.done != n {
				t.Fatalf("%d attachment latencies, %d opened, for %d references and %d members", n, w.attach.done, refs, res.Members)
			}
			if len(phase[PhaseText]) == 0 {
				t.Fatal("no text phase latency")
			}
			// A 2 MB video cannot arrive faster than its bytes cross the fastest uplink of the
			// room (wifi's 27 Mbps) and the fastest downlink (5g's 203 Mbps), and it takes
			// longer than a 150 kB image.
			floor := 2_000_016*8/27e6*1e3 + 2_000_016*8/203e6*1e3
			for _, v := range phase["video"] {
				if v < floor {
					t.Fatalf("a video arrived in %.1f ms, under the %.1f ms its bytes need on the links", v, floor)
				}
			}
			if !(mean(phase["video"]) > mean(phase["image"]) && mean(phase["image"]) > mean(phase[PhaseText])) {
				t.Fatalf("means: text %.1f, image %.1f, video %.1f ms; want text < image < video",
					mean(phase[PhaseText]), mean(phase["image"]), mean(phase["video"]))
			}
		})
	}
}

// TestAttachmentDownloadModes: fetched via the recipient's provider, a file leaves the sender's
// provider once per other provider; fetched directly, once per recipient elsewhere.
func TestAttachmentDownloadModes(t *testing.T) {
	egress := map[string]uint64{}
	for _, download := range DownloadModes {
		res, _, _ := attachRun(t, download, "")
		for _, p := range res.Providers {
			egress[download] += p.BytesOut
		}
		// Via providers, every foreign provider holds a cached copy of what it fetched.
		if cached := len(res.World.attach.cache); (download == DownloadViaProvider) != (cached > 0) {
			t.Fatalf("%s: %d cached files", download, cached)
		}
	}
	// Via providers, each file crosses to each other provider once and then to each recipient:
	// more provider egress in all than direct, where each recipient fetches from the origin.
	if egress[DownloadViaProvider] <= egress[DownloadDirect] {
		t.Fatalf("provider egress via providers %d ≤ direct %d", egress[DownloadViaProvider], egress[DownloadDirect])
	}
}

func TestAttachmentWorkloadErrors(t *testing.T) {
	sc := parse(t, smallScenario(4, 1, ""))
	for _, aw := range []*AttachmentWorkload{
		{Kinds: testKinds, Download: "carrier-pigeon"},
		{Kinds: []AttachmentKind{{Name: "text", Bytes: 10, Rate: 1}}, Download: DownloadDirect},
		{Kinds: []AttachmentKind{{Name: "image", Bytes: 0, Rate: 1}}, Download: DownloadDirect},
	} {
		if _, err := Build(sc, Options{Engine: engine(t), Cost: linearCost{}, Attachments: aw}); err == nil {
			t.Errorf("%+v: no error", aw)
		}
	}
}
