# mimisim — common tasks. The README's two commands work without make.
GO ?= go

.PHONY: run test vet bench fuzz calibrate figure

run:            ## run the embedded default scenario
	$(GO) run ./cmd/mimisim run

test:           ## the README's test command
	$(GO) test ./...

vet:
	$(GO) vet ./...
	gofmt -l $$(git ls-files '*.go')

bench:          ## kernel, network and go-mls benchmarks (benchstat-comparable output)
	$(GO) test -run '^$$' -bench . -benchmem ./sim ./models/network ./bench

fuzz:           ## each fuzz target for 30 s
	$(GO) test ./models/mimi -run '^$$' -fuzz FuzzDecode -fuzztime 30s
	$(GO) test ./scenarios -run '^$$' -fuzz FuzzParse -fuzztime 30s

calibrate:      ## re-measure the go-mls cost table (see models/cost/doc.go)
	$(GO) test -run '^$$' -bench BenchmarkGoMLS -cpu 1 -benchtime 20x ./bench | \
		$(GO) run ./bench/cmd/costtable -command "make calibrate" > models/cost/tables/gomls.json

figure:         ## regenerate the README figure from a default run
	$(GO) run ./cmd/mimisim run --quiet --out results/default/seed-1
	cp results/default/seed-1/figures/cdf_delivery_latency_all.png docs/default-delivery-cdf.png
