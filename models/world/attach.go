package world

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/mimisim/mimisim/models/client"
	"github.com/mimisim/mimisim/models/content"
	"github.com/mimisim/mimisim/models/cost"
	"github.com/mimisim/mimisim/models/mimi"
	"github.com/mimisim/mimisim/results"
	"github.com/mimisim/mimisim/sim"
)

// How a recipient downloads an attachment (AttachmentWorkload.Download).
const (
	// DownloadViaProvider: the recipient asks its own provider, which fetches the ciphertext
	// from the sender's provider once, keeps it for its other clients, and serves it. The
	// sender's provider never sees the recipient's address (the reason MIMI relays through
	// providers at all).
	DownloadViaProvider = "via_provider"
	// DownloadDirect: the recipient fetches the ciphertext from the sender's provider itself.
	DownloadDirect = "direct"
)

// DownloadModes lists the download modes.
var DownloadModes = []string{DownloadViaProvider, DownloadDirect}

// AttachmentKind is one kind of attachment: every real member sends it as a Poisson process of
// Rate per second, each file Bytes long.
type AttachmentKind struct {
	Name        string
	Bytes       int
	Rate        float64
	ContentType string
}

// AttachmentWorkload adds attachments to the measurement window, and with them the
// phase_latency metric (see attach.go's MetricPhase).
//
// An attachment goes: the sender seals a fresh random file of Bytes under a new AES-128-GCM key
// (content.Seal; CPU charged at content.SealCost per byte, scaled by the device factor),
// uploads the ciphertext to its own provider in one HTTP-like request over its access link
// (a request of the ciphertext plus HTTPOverhead bytes, served on the provider's cores at one
// request cost plus the byte cost of the body, answered by a response with the URL), then sends
// an MLS application message whose plaintext is the mimiContent with the external part (URL,
// key, nonce, SHA-256 of the ciphertext). Each recipient decrypts that message, decodes the
// reference, downloads the ciphertext as Download says, checks its hash and decrypts it (CPU as
// for sealing); then it can show the content. Transfers are whole messages at the links'
// bandwidths on an open connection: no TCP slow start, no handshake (a lower bound on time).
type AttachmentWorkload struct {
	Kinds    []AttachmentKind
	Download string
}

// HTTPOverhead is the size of an HTTP request or response head (request line or status line
// and headers) of an attachment transfer, bytes: a judgement for a compact HTTP/2 exchange with
// an authorization token.
const HTTPOverhead = 400

// Metrics of attachments and phases.
const (
	// MetricPhase is the time from send to the recipient being able to show the content, ms,
	// grouped by phase: "text" for chat messages, an attachment kind's name, or "call" for the
	// call (offer → every participant can decrypt every other, as call_all_media). Recorded when
	// the run has an AttachmentWorkload.
	MetricPhase = "phase_latency"
	// MetricUpload is the time from send to the upload's response reaching the sender, ms,
	// grouped by attachment kind.
	MetricUpload = "attachment_upload"
	// PhaseText and PhaseCall are the phase names of chat messages and of the call.
	PhaseText = "text"
	PhaseCall = "call"
)

// attachTagPrefix starts the ledger tag of an attachment message; the kind's name follows.
const attachTagPrefix = "attach/"

// attachState is the attachment side of a run.
type attachState struct {
	cfg     *AttachmentWorkload
	stores  map[string]*content.Store // by provider name
	provs   map[string]*mimi.Provider
	cache   map[string][]byte         // provider name + " " + URL → ciphertext fetched for its clients
	waiting map[string][]func([]byte) // fetches in flight, same keys
	started int                       // downloads started
	done    int                       // downloads opened and shown
	sealNs  map[string]float64        // CPU ns per byte by device
}

// fnHandler runs the func() an event carries: the steps of attachment transfers.
type fnHandler struct{}

func (fnHandler) Handle(_ *sim.Kernel, ev sim.Event) { ev.Data.(func())() }

func (w *World) buildAttachments(aw *AttachmentWorkload) error {
	if aw.Download != DownloadViaProvider && aw.Download != DownloadDirect {
		return fmt.Errorf("attachments: download %q: allowed: %s", aw.Download, strings.Join(DownloadModes, ", "))
	}
	for _, k := range aw.Kinds {
		if k.Name == "" || k.Bytes < 1 || !(k.Rate > 0) || strings.Contains(k.Name, "/") {
			return fmt.Errorf("attachments: kind %q needs a name without '/', bytes ≥ 1 and a rate > 0", k.Name)
		}
		if k.Name == PhaseText || k.Name == PhaseCall {
			return fmt.Errorf("attachments: kind name %q is taken by a phase", k.Name)
		}
	}
	a := &attachState{cfg: aw, stores: map[string]*content.Store{}, provs: map[string]*mimi.Provider{},
		cache: map[string][]byte{}, waiting: map[string][]func([]byte){}, sealNs: map[string]float64{}}
	for _, p := range w.Providers {
		a.stores[p.Name()] = content.NewStore(p.Name())
		a.provs[p.Name()] = p
	}
	f, err := cost.DeviceFactor(w.sc.Room.Device)
	if err != nil {
		return err
	}
	a.sealNs[w.sc.Room.Device] = content.SealCost * f
	w.attach = a
	return nil
}

// cryptoCost is the CPU time to seal or open n bytes on the client's device; none in time mode
// zero.
func (w *World) cryptoCost(n int) time.Duration {
	if w.sc.TimeMode == "zero" {
		return 0
	}
	return time.Duration(math.Ceil(float64(n) * w.attach.sealNs[w.sc.Room.Device]))
}

// startAttachments starts every real member's attachment processes for the window.
func (w *World) startAttachments() {
	for _, c := range w.Clients {
		if c.Modelled() {
			continue
		}
		for _, kind := range w.attach.cfg.Kinds {
			c, kind := c, kind
			rng := w.K.Stream("attachments/" + kind.Name + "/" + c.ID())
			var tick sim.HandlerFunc
			next := func() {
				gap := time.Duration(rng.ExpFloat64() / kind.Rate * 1e9)
				if t := w.K.Now().Add(gap); t < w.measureEnd {
					w.K.Schedule(t, tick, 0, nil)
				}
			}
			tick = func(*sim.Kernel, sim.Event) {
				w.sendAttachment(c, kind, rng)
				next()
			}
			next()
		}
	}
}

// sendAttachment seals, uploads and references one file.
func (w *World) sendAttachment(c *client.Client, kind AttachmentKind, rng interface{ Uint64() uint64 }) {
	if !c.Joined() {
		return
	}
	a := w.attach
	start := w.K.Now()
	plain := make([]byte, kind.Bytes)
	for i := 0; i < len(plain); i += 8 {
		v := rng.Uint64()
		for j := 0; j < 8 && i+j < len(plain); j++ {
			plain[i+j] = byte(v >> (8 * j))
		}
	}
	secret := make([]byte, content.KeySize+content.NonceSize+16)
	for i := range secret {
		secret[i] = byte(rng.Uint64())
	}
	key, nonce, salt := secret[:content.KeySize], secret[content.KeySize:content.KeySize+content.NonceSize], secret[content.KeySize+content.NonceSize:]
	ct, ref, err := content.Seal(plain, key, nonce, nil, kind.ContentType, kind.Name)
	if err != nil {
		w.fail(fmt.Errorf("attachment of %s: %w", c.ID(), err))
		return
	}
	home := a.provs[c.Home()]
	c.Work(w.cryptoCost(len(plain)), func() {
		w.Net.Send(c.Node(), home.Node(), len(ct)+HTTPOverhead, fnHandler{}, 0, func() {
			home.Compute(len(ct), func() {
				ref.URL = a.stores[home.Name()].Put(ct)
				w.Net.Send(home.Node(), c.Node(), HTTPOverhead+len(ref.URL), fnHandler{}, 0, func() {
					w.obs.Add(results.Observation{Metric: MetricUpload, Unit: "ms", Group: kind.Name,
						TimeNs: int64(w.K.Now()), Source: c.ID(), Value: ms(w.K.Now().Sub(start))})
					body, err := content.Encode(ref, salt)
					if err != nil {
						w.fail(err)
						return
					}
					c.SendBody(body, attachTagPrefix+kind.Name, start)
				})
			})
		})
	})
}

// attachmentMessage starts a recipient's download of the attachment a decrypted message
// references.
func (w *World) attachmentMessage(r *client.Client, m client.Sent) {
	a := w.attach
	kind := strings.TrimPrefix(m.Tag, attachTagPrefix)
	ref, _, err := content.Decode(m.Body())
	if err != nil {
		w.fail(fmt.Errorf("%s: the reference in message %d: %w", r.ID(), m.ID, err))
		return
	}
	host, _, _ := strings.Cut(strings.TrimPrefix(ref.URL, "https://"), "/")
	owner, ok := a.provs[host]
	if !ok {
		w.fail(fmt.Errorf("%s: attachment URL %q names no provider", r.ID(), ref.URL))
		return
	}
	a.started++
	size := int(ref.Size) + 16
	get := HTTPOverhead + len(ref.URL)
	open := func(ct []byte) {
		if _, err := content.Open(ref, ct); err != nil {
			w.fail(fmt.Errorf("%s: attachment %s: %w", r.ID(), ref.URL, err))
			return
		}
		r.Work(w.cryptoCost(int(ref.Size)), func() {
			a.done++
			now := w.K.Now()
			w.obs.Add(results.Observation{Metric: MetricPhase, Unit: "ms", Group: kind, TimeNs: int64(now),
				Source: m.Sender, Target: r.ID(), ID: m.ID, Value: ms(now.Sub(m.At))})
		})
	}
	// serve has provider p answer a GET of ours from the ciphertext it holds.
	serve := func(p *mimi.Provider, ct []byte) {
		p.Compute(len(ct), func() {
			w.Net.Send(p.Node(), r.Node(), len(ct)+HTTPOverhead, fnHandler{}, 0, func() { open(ct) })
		})
	}
	fromOwner := func() []byte {
		ct, ok := a.stores[owner.Name()].Get(ref.URL)
		if !ok {
			w.fail(fmt.Errorf("%s: %s is not stored at %s", r.ID(), ref.URL, owner.Name()))
		}
		return ct
	}
	home := a.provs[r.Home()]
	if a.cfg.Download == DownloadDirect || home == owner {
		w.Net.Send(r.Node(), owner.Node(), get, fnHandler{}, 0, func() {
			if ct := fromOwner(); ct != nil {
				serve(owner, ct)
			}
		})
		return
	}
	// Via the recipient's provider, which fetches once and keeps the ciphertext for its other
	// clients.
	w.Net.Send(r.Node(), home.Node(), get, fnHandler{}, 0, func() {
		key := home.Name() + " " + ref.URL
		if ct, ok := a.cache[key]; ok {
			serve(home, ct)
			return
		}
		first := len(a.waiting[key]) == 0
		a.waiting[key] = append(a.waiting[key], func(ct []byte) { serve(home, ct) })
		if !first {
			return
		}
		w.Net.Send(home.Node(), owner.Node(), get, fnHandler{}, 0, func() {
			ct := fromOwner()
			if ct == nil {
				return
			}
			owner.Compute(size, func() {
				w.Net.Send(owner.Node(), home.Node(), size+HTTPOverhead, fnHandler{}, 0, func() {
					a.cache[key] = ct
					waiters := a.waiting[key]
					delete(a.waiting, key)
					for _, f := range waiters {
						f(ct)
					}
				})
			})
		})
	})
}
