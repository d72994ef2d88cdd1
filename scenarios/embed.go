package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

//go:embed files/*.yaml
var files embed.FS

// Embedded returns the names of the scenarios built into the binary, sorted: the file names
// under files/ without ".yaml".
func Embedded() []string {
	ents, err := fs.ReadDir(files, "files")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok && !e.IsDir() {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// LoadEmbedded parses the embedded scenario name (see Embedded) and also returns its raw bytes,
// for hashing into results. Its errors name the file "embedded/NAME.yaml".
func LoadEmbedded(name string, lim Limits) (*Scenario, []byte, error) {
	names := Embedded()
	if !slices.Contains(names, name) {
		return nil, nil, fmt.Errorf("unknown embedded scenario %q; available: %s", name, strings.Join(names, ", "))
	}
	data, err := files.ReadFile("files/" + name + ".yaml")
	if err != nil {
		return nil, nil, err
	}
	s, err := Parse("embedded/"+name+".yaml", data, lim)
	if err != nil {
		return nil, nil, err
	}
	return s, data, nil
}
