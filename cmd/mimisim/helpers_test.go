package main

import (
	"encoding/csv"
	"os"
	"testing"
)

// readCSV reads a whole CSV file (summary.csv, observations.csv) and returns its rows, header
// first, with each header name's column index.
func readCSV(t *testing.T, path string) (rows [][]string, col map[string]int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err = csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s: empty CSV file", path)
	}
	col = make(map[string]int, len(rows[0]))
	for i, h := range rows[0] {
		col[h] = i
	}
	return rows, col
}
