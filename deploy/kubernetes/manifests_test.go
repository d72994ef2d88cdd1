package kubernetes

import (
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// decodeAll decodes every YAML document of a file, strictly.
func decodeAll(t *testing.T, name string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data), yaml.Strict())
	var docs []map[string]any
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		docs = append(docs, doc)
	}
	if len(docs) == 0 {
		t.Fatalf("%s: no YAML document", name)
	}
	return docs
}

// at walks a decoded document along keys (string) and list indices (int).
func at(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %v: %T is not a mapping", path, v)
			}
			if v, ok = m[k]; !ok {
				t.Fatalf("at %v: no key %q", path, k)
			}
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("at %v: %v has no item %d", path, v, k)
			}
			v = l[k]
		}
	}
	return v
}

func toInt(t *testing.T, v any) int {
	t.Helper()
	switch n := v.(type) {
	case uint64:
		return int(n)
	case int64:
		return int(n)
	case int:
		return n
	case string:
		i, err := strconv.Atoi(n)
		if err != nil {
			t.Fatalf("%q is not a number", n)
		}
		return i
	}
	t.Fatalf("%v (%T) is not a number", v, v)
	return 0
}

func envOf(t *testing.T, container any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, e := range at(t, container, "env").([]any) {
		out[at(t, e, "name").(string)] = at(t, e, "value").(string)
	}
	return out
}

func strList(t *testing.T, v any) []string {
	t.Helper()
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}

// The sweep Job is Indexed, with completions = parallelism = SHARDS, and each pod runs the shard
// of its completion index into /results/shard-<index> on the volume the merge Job reads.
func TestSweepJob(t *testing.T) {
	job := decodeAll(t, "sweep-job.yaml")[0]
	if at(t, job, "kind") != "Job" || at(t, job, "apiVersion") != "batch/v1" {
		t.Fatalf("kind %v, apiVersion %v", at(t, job, "kind"), at(t, job, "apiVersion"))
	}
	spec := at(t, job, "spec")
	if at(t, spec, "completionMode") != "Indexed" {
		t.Errorf("completionMode %v, want Indexed", at(t, spec, "completionMode"))
	}
	c := at(t, spec, "template", "spec", "containers", 0)
	shards := toInt(t, envOf(t, c)["SHARDS"])
	if n, p := toInt(t, at(t, spec, "completions")), toInt(t, at(t, spec, "parallelism")); n != shards || p != shards {
		t.Errorf("completions %d, parallelism %d, SHARDS %d: they must be equal", n, p, shards)
	}
	args := strList(t, at(t, c, "args"))
	i := slices.Index(args, "--shard")
	if args[0] != "sweep" || i < 0 || args[i+1] != "$(JOB_COMPLETION_INDEX)/$(SHARDS)" {
		t.Errorf("args %q: want sweep … --shard $(JOB_COMPLETION_INDEX)/$(SHARDS)", args)
	}
	o := slices.Index(args, "--out")
	if o < 0 || args[o+1] != "/results/shard-$(JOB_COMPLETION_INDEX)" {
		t.Errorf("args %q: want --out /results/shard-$(JOB_COMPLETION_INDEX)", args)
	}
	if at(t, c, "volumeMounts", 0, "mountPath") != "/results" {
		t.Errorf("results volume not mounted at /results")
	}
	if at(t, spec, "template", "spec", "volumes", 0, "persistentVolumeClaim", "claimName") != "mimisim-results" {
		t.Errorf("sweep Job does not use the claim mimisim-results")
	}
}

// The merge Job reads every shard directory from the same claim.
func TestMergeJobAndVolume(t *testing.T) {
	job := decodeAll(t, "merge-job.yaml")[0]
	pod := at(t, job, "spec", "template", "spec")
	c := at(t, pod, "containers", 0)
	script := strings.Join(strList(t, at(t, c, "args")), " ")
	if !strings.Contains(script, "mimisim merge --out /results/merged /results/shard-*") {
		t.Errorf("merge args %q", script)
	}
	if at(t, pod, "volumes", 0, "persistentVolumeClaim", "claimName") != "mimisim-results" {
		t.Errorf("merge Job does not use the claim mimisim-results")
	}
	pvc := decodeAll(t, "pvc.yaml")[0]
	if at(t, pvc, "kind") != "PersistentVolumeClaim" || at(t, pvc, "metadata", "name") != "mimisim-results" ||
		at(t, pvc, "spec", "accessModes", 0) != "ReadWriteMany" {
		t.Errorf("pvc.yaml: %v", pvc)
	}
}

// The Dockerfile builds the binary in one stage and copies it into the image the Jobs run.
func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, want := range []string{"AS build", "go build", "./cmd/mimisim", "COPY --from=build", `ENTRYPOINT ["/usr/local/bin/mimisim"]`} {
		if !strings.Contains(s, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	var froms []string
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "FROM ") {
			froms = append(froms, line)
		}
	}
	if len(froms) != 2 || !strings.HasPrefix(froms[0], "FROM golang:") || !strings.HasSuffix(froms[0], " AS build") {
		t.Errorf("stages %q: want two, the first FROM golang:… AS build", froms)
	}
}
