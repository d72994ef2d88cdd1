# mimisim — common tasks. The README's two commands work without make.
GO ?= go

.PHONY: run test vet bench fuzz calibrate figure calibrate-fit profile

run:            ## run the embedded default scenario
	$(GO) run ./cmd/mimisim run

test:           ## the README's test command
	$(GO) test ./...

vet:
	$(GO) vet ./...
	gofmt -l $$(git ls-files '*.go')

# BENCHFLAGS adds go test flags, e.g. make bench BENCHFLAGS='-count 6' > new.txt for benchstat.
BENCHFLAGS ?=
bench:          ## kernel, network, MIMI, whole-run and go-mls benchmarks (benchstat-comparable output, ≈ 2 min)
	$(GO) test -run '^$$' -bench . -benchmem $(BENCHFLAGS) ./sim ./models/network
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 300ms $(BENCHFLAGS) ./bench

# FUZZTIME sets the time per target, e.g. make fuzz FUZZTIME=5m.
FUZZTIME ?= 30s
fuzz:           ## every fuzz target of the repository (scripts/fuzz.sh lists them), FUZZTIME (30 s) each
	GO=$(GO) bash scripts/fuzz.sh $(FUZZTIME)

calibrate:      ## re-measure the go-mls cost table (see models/cost/doc.go)
	$(GO) test -run '^$$' -bench BenchmarkGoMLS -cpu 1 -benchtime 20x ./bench | \
		$(GO) run ./bench/cmd/costtable -command "make calibrate" > models/cost/tables/gomls.json

figure:         ## regenerate the README figure from a default run
	$(GO) run ./cmd/mimisim run --quiet --out results/default/seed-1
	cp results/default/seed-1/figures/cdf_delivery_latency_all.png docs/default-delivery-cdf.png

calibrate-fit:  ## time every MLS op in-process and write the fitted calibration and its figures
	$(GO) run ./cmd/mimisim calibrate --out models/cost/tables/gomls-fit.json

profile:        ## CPU profile of the default run and its top functions
	$(GO) run ./cmd/mimisim run --quiet --out /tmp/mimisim-profile --cpuprofile /tmp/mimisim-cpu.pprof
	$(GO) run ./cmd/mimisim profile /tmp/mimisim-cpu.pprof --top 25

.PHONY: sweep sweep-quick test-slurm

sweep:          ## the fan-out sweep: 2 … 32 members × 2 replications (results/fanout-size/sweep)
	$(GO) run ./cmd/mimisim sweep embedded:fanout-size

sweep-quick:    ## its quick variant: 2 and 4 members × 2 replications (results/fanout-size/sweep-quick)
	$(GO) run ./cmd/mimisim sweep embedded:fanout-size --quick

test-slurm:     ## sharded sweep on a real one-node Slurm cluster here, merged and compared (root; apt-installs slurm-wlm, munge; ≈ 15 s, 40 s with the install)
	GO=$(GO) bash deploy/slurm/test-slurm.sh

.PHONY: results

# RESULTS_SWEEPS is every embedded scenario with a sweep section (a test in cmd/mimisim checks
# the list); make results runs each at full size into results/reference/<scenario>/ and prints
# the wall time of each.
RESULTS_SWEEPS = fanout-size contention contention-rtt fanout fanout-load fanout-topology faults callsetup callsetup-large dma-phases groupsize
RESULTS_DIR ?= results/reference
results:        ## every embedded sweep at full size: results/reference/<scenario>/ (CSV, figures, report)
	$(GO) build -o /tmp/mimisim-results ./cmd/mimisim
	@for s in $(RESULTS_SWEEPS); do \
		start=$$(date +%s); \
		/tmp/mimisim-results sweep embedded:$$s --quiet --out $(RESULTS_DIR)/$$s || exit 1; \
		echo "results: $$s in $$(( $$(date +%s) - start )) s"; \
	done

.PHONY: phold bench-peers bench-10k pgo

phold:          ## PHOLD on the kernel: one line with events/s (bench/phold)
	$(GO) run ./cmd/mimisim bench phold

bench-peers:    ## PHOLD on mimisim, ns-3 and SimPy in one run (apt-installs ns-3, SimPy, g++ if missing)
	@GO=$(GO) sh bench/peers/run.sh

.PHONY: bigroom

# GOGC/GOMEMLIMIT trade memory for less garbage-collection time within the 8 GB goal.
bigroom:        ## the 100,000-member full-fidelity room on rfc9420: wall time, CPU, peak RSS, set-up time, events/s
	$(GO) build -o /tmp/mimisim-bigroom ./cmd/mimisim
	GOGC=200 GOMEMLIMIT=6GiB /tmp/mimisim-bigroom run embedded:bigroom --wall-clock --out results/bigroom/seed-1

bench-10k:      ## the whole-run target: 10,000 members, 10 providers, ~1,000 messages on one core (one line)
	$(GO) build -o /tmp/mimisim-bench-10k ./cmd/mimisim
	GOMAXPROCS=1 /tmp/mimisim-bench-10k bench run bench/testdata/fanout-10k.yaml

pgo:            ## regenerate cmd/mimisim/default.pgo: CPU profiles of PHOLD and of the 10k whole run, merged
	$(GO) build -pgo=off -o /tmp/mimisim-pgo ./cmd/mimisim
	/tmp/mimisim-pgo bench phold --events 100000000 --cpuprofile /tmp/mimisim-pgo-phold.pprof
	GOMAXPROCS=1 /tmp/mimisim-pgo bench run bench/testdata/fanout-10k.yaml --cpuprofile /tmp/mimisim-pgo-run.pprof
	$(GO) tool pprof -proto /tmp/mimisim-pgo-phold.pprof /tmp/mimisim-pgo-run.pprof > cmd/mimisim/default.pgo
