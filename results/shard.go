package results

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// Files of a shard directory (WriteShard) and the extra file of a merged sweep (WriteMergedSweep).
const (
	ShardFile             = "shard.json"
	ShardScenarioFile     = "scenario.yaml"
	ShardObservationsFile = "observations.csv"
	ShardsFile            = "shards.json"
	// ShardFormat is the version of the shard directory layout WriteShard writes and ReadShard
	// accepts.
	ShardFormat = 1
	// JobColumn leads every row of a shard's observations.csv: the job's index in the sweep.
	JobColumn = "job"
)

// Machine is where a shard ran, as its manifest would record it.
type Machine struct {
	Hostname  string `json:"hostname"`
	CPUModel  string `json:"cpu_model"`
	NumCPU    int    `json:"num_cpu"`
	GoVersion string `json:"go_version"`
	GOOS      string `json:"goos"`
	GOARCH    string `json:"goarch"`
}

// Shard describes a shard directory: one deterministic share of a sweep's jobs, run by
// mimisim sweep --shard INDEX/COUNT, and everything a merge needs to check and join it.
type Shard struct {
	Format    int  `json:"format"`     // ShardFormat
	Index     int  `json:"index"`      // 0 … Count−1
	Count     int  `json:"count"`      // number of shards the sweep was split into
	TotalJobs int  `json:"total_jobs"` // jobs of the whole sweep, over all shards
	Quick     bool `json:"quick"`      // the quick variant ran

	Scenario       string `json:"scenario"`        // scenario name
	ScenarioFile   string `json:"scenario_file"`   // as given on the command line
	ScenarioSHA256 string `json:"scenario_sha256"` // hex SHA-256 of scenario.yaml

	Tool        string  `json:"tool"`
	ToolVersion string  `json:"tool_version"`
	GitRevision string  `json:"git_revision"`
	Machine     Machine `json:"machine"`

	// Jobs are the shard's jobs, sorted by Job; each Job is Index modulo Count.
	Jobs []ShardJob `json:"jobs"`
}

// ShardJob is one job of a shard with the facts its run produced.
type ShardJob struct {
	Job           int               `json:"job"` // index in the sweep's job order (point, then replication)
	Point         int               `json:"point"`
	Params        []Param           `json:"params"`
	Replication   int               `json:"replication"`
	Seed          uint64            `json:"seed"`
	Engine        string            `json:"engine"`
	EngineVersion string            `json:"engine_version"`
	Calibration   string            `json:"calibration"`
	Events        uint64            `json:"events"`
	SimulatedNs   int64             `json:"simulated_ns"`
	Extra         map[string]string `json:"extra,omitempty"`
}

// checkShard checks a shard's description against itself and its observations.
func checkShard(s Shard, obs [][]Observation) error {
	switch {
	case s.Format != ShardFormat:
		return fmt.Errorf("shard format %d, this mimisim reads format %d", s.Format, ShardFormat)
	case s.Count < 1:
		return fmt.Errorf("shard count %d; it must be at least 1", s.Count)
	case s.Index < 0 || s.Index >= s.Count:
		return fmt.Errorf("shard index %d is not between 0 and %d", s.Index, s.Count-1)
	case s.TotalJobs < 0:
		return fmt.Errorf("total_jobs %d is negative", s.TotalJobs)
	case len(obs) != len(s.Jobs):
		return fmt.Errorf("%d observation slices for %d jobs", len(obs), len(s.Jobs))
	}
	for i, j := range s.Jobs {
		switch {
		case j.Job < 0 || j.Job >= s.TotalJobs:
			return fmt.Errorf("job %d is not between 0 and %d", j.Job, s.TotalJobs-1)
		case j.Job%s.Count != s.Index:
			return fmt.Errorf("job %d belongs to shard %d of %d, not to shard %d", j.Job, j.Job%s.Count, s.Count, s.Index)
		case i > 0 && s.Jobs[i-1].Job >= j.Job:
			return fmt.Errorf("job %d is out of order or repeated; jobs are sorted by index", j.Job)
		}
	}
	var all []Observation
	for _, o := range obs {
		all = append(all, o...)
	}
	return checkObservations(all)
}

// WriteShard writes a shard directory atomically, like Write (refusing or replacing an existing
// directory as opts.Overwrite says):
//
//	shard.json        s, with the scenario's SHA-256 filled in from scenario
//	scenario.yaml     the scenario file's bytes, so that a merge needs no other copy of it
//	observations.csv  every job's observations: column job, then those of a run's
//	                  observations.csv
//
// obs[i] are the observations of s.Jobs[i]. It writes nothing if s is inconsistent (see Shard)
// or an observation breaks one of Write's rules.
func WriteShard(dir string, s Shard, scenario []byte, obs [][]Observation, opts Options) error {
	sum := sha256.Sum256(scenario)
	s.ScenarioSHA256 = hex.EncodeToString(sum[:])
	return writeDir(dir, opts.Overwrite, func() (func(root string) error, error) {
		if err := checkShard(s, obs); err != nil {
			return nil, err
		}
		return func(root string) error {
			fw := fileWriter{root: root, hook: opts.failHook}
			if err := fw.write(ShardFile, func(w io.Writer) error { return writeJSON(w, normalizeShard(s)) }); err != nil {
				return err
			}
			if err := fw.writeBytes(ShardScenarioFile, scenario); err != nil {
				return err
			}
			return fw.write(ShardObservationsFile, func(w io.Writer) error { return writeShardObservations(w, s, obs) })
		}, nil
	})
}

func normalizeShard(s Shard) Shard {
	if s.Jobs == nil {
		s.Jobs = []ShardJob{}
	}
	jobs := make([]ShardJob, len(s.Jobs))
	for i, j := range s.Jobs {
		j.Params = nonNilParams(j.Params)
		jobs[i] = j
	}
	s.Jobs = jobs
	return s
}

func writeShardObservations(w io.Writer, s Shard, obs [][]Observation) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(append([]string{JobColumn}, observationColumns...)); err != nil {
		return err
	}
	rec := make([]string, 1+len(observationColumns))
	for i, job := range s.Jobs {
		rec[0] = strconv.Itoa(job.Job)
		f := rec[1:]
		for _, o := range obs[i] {
			formatObservation(f, o)
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// ReadShard reads a shard directory written by WriteShard: its description, the scenario
// file's bytes and the observations of each of its jobs. It checks what WriteShard checks, that
// scenario.yaml still has the recorded SHA-256, and that the observations come in job order and
// belong to the shard's jobs. Unknown fields in shard.json are errors.
func ReadShard(dir string) (Shard, []byte, [][]Observation, error) {
	fail := func(err error) (Shard, []byte, [][]Observation, error) {
		return Shard{}, nil, nil, fmt.Errorf("results: shard %s: %w", dir, err)
	}
	data, err := os.ReadFile(filepath.Join(dir, ShardFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fail(fmt.Errorf("no %s: not a shard directory (mimisim sweep --shard writes them)", ShardFile))
		}
		return fail(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Shard
	if err := dec.Decode(&s); err != nil {
		return fail(fmt.Errorf("%s: %w", ShardFile, err))
	}
	if dec.More() {
		return fail(fmt.Errorf("%s: data after the shard description", ShardFile))
	}
	scenario, err := os.ReadFile(filepath.Join(dir, ShardScenarioFile))
	if err != nil {
		return fail(err)
	}
	if sum := sha256.Sum256(scenario); hex.EncodeToString(sum[:]) != s.ScenarioSHA256 {
		return fail(fmt.Errorf("%s has SHA-256 %x, but %s records %s", ShardScenarioFile, sum, ShardFile, s.ScenarioSHA256))
	}
	at := make(map[int]int, len(s.Jobs))
	for i, j := range s.Jobs {
		at[j.Job] = i
	}
	obs := make([][]Observation, len(s.Jobs))
	last := -1
	err = readCSV(filepath.Join(dir, ShardObservationsFile), append([]string{JobColumn}, observationColumns...), func(line int, rec []string) error {
		job, err := strconv.Atoi(rec[0])
		i, ok := at[job]
		if err != nil || !ok {
			return fmt.Errorf("line %d: job %q is not a job of this shard", line, rec[0])
		}
		if i < last {
			return fmt.Errorf("line %d: job %d after a later job; rows are in job order", line, job)
		}
		last = i
		o, err := parseObservation(line, rec[1:])
		if err != nil {
			return err
		}
		obs[i] = append(obs[i], o)
		return nil
	})
	if err != nil {
		return fail(err)
	}
	if err := checkShard(s, obs); err != nil {
		return fail(err)
	}
	return s, scenario, obs, nil
}

// ShardRecord is one shard of a merged sweep as shards.json lists it.
type ShardRecord struct {
	Index       int     `json:"index"`
	Count       int     `json:"count"`
	Jobs        []int   `json:"jobs"` // the shard's job indices
	ToolVersion string  `json:"tool_version"`
	GitRevision string  `json:"git_revision"`
	Machine     Machine `json:"machine"`
}

// shardsFile is the content of shards.json.
type shardsFile struct {
	Note   string        `json:"note"`
	Shards []ShardRecord `json:"shards"`
}

const shardsNote = "This sweep ran as shards (mimisim sweep --shard) and was joined by mimisim merge; " +
	"every other file is what one mimisim sweep with the same flags writes, and manifest.json's host fields join the " +
	"shards' distinct values in shard order."

// WriteMergedSweep writes a sweep joined from shards: exactly the files WriteSweep writes for m
// and obs, plus shards.json listing the shards and the machines they ran on, all in one atomic
// step (a failed merge leaves no directory that looks complete).
func WriteMergedSweep(dir string, m Manifest, obs [][]Observation, shards []ShardRecord, opts Options) error {
	return writeDir(dir, opts.Overwrite, func() (func(root string) error, error) {
		if len(shards) == 0 {
			return nil, errors.New("a merged sweep lists at least one shard")
		}
		sp, err := prepareSweep(m, obs, opts)
		if err != nil {
			return nil, err
		}
		return func(root string) error {
			if err := sp.build(root, opts.failHook); err != nil {
				return err
			}
			fw := fileWriter{root: root, hook: opts.failHook}
			return fw.write(ShardsFile, func(w io.Writer) error {
				recs := make([]ShardRecord, len(shards))
				for i, r := range shards {
					if r.Jobs == nil {
						r.Jobs = []int{}
					}
					recs[i] = r
				}
				return writeJSON(w, shardsFile{Note: shardsNote, Shards: recs})
			})
		}, nil
	})
}
