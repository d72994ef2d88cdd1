package mls

import "testing"

func TestNominalSizes(t *testing.T) {
	tests := []struct {
		name string
		got  int
		want int
	}{
		{"update commit at 1024", NominalCommitSize(OpCommitUpdate, 1024, 0), 440 + 1170},
		{"remove commit at 2", NominalCommitSize(OpCommitRemove, 2, 0), 557},
		{"add one", NominalCommitSize(OpCommitAdd, 10, 1), 530},
		{"add three", NominalCommitSize(OpCommitAdd, 10, 3), 1230},
		{"welcome of 10000", NominalWelcomeSize(10000), 3350354},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, tc.got, tc.want)
		}
	}
}
