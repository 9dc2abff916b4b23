package commands

import "testing"

func TestProcsFor(t *testing.T) {
	tests := []struct {
		name    string
		setting string
		cpus    int
		procs   int
		want    int
	}{
		{"one CPU by affinity", "", 1, 1, 2},
		{"one CPU by quota", "", 8, 1, 1},
		{"set to one", "1", 1, 1, 1},
		{"many CPUs", "", 4, 4, 4},
		{"set to three", "3", 1, 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := procsFor(tt.setting, tt.cpus, tt.procs); got != tt.want {
				t.Errorf("procsFor(%q, %d, %d) = %d; want %d", tt.setting, tt.cpus, tt.procs, got, tt.want)
			}
		})
	}
}
