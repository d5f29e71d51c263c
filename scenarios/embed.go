// Package scenarios embeds the example and teaching scenario files shipped in
// this directory, so that `sim -scenario NAME` works from any directory and
// `sim` with no flags runs default.yaml.
package scenarios

import (
	"embed"
	"io/fs"
	"slices"
	"strings"
)

//go:embed *.yaml
var files embed.FS

// Read returns the embedded scenario NAME.yaml.
func Read(name string) ([]byte, error) { return files.ReadFile(name + ".yaml") }

// Names lists the embedded scenarios, sorted, without the .yaml suffix.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	slices.Sort(out)
	return out
}
