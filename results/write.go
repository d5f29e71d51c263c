package results

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// writeHook is called with a file's name just before that file is written.
// Tests replace it to inject failures; it must return nil in production.
var writeHook = func(name string) error { return nil }

// Write writes r as a complete run directory at dir: the CSV tables (with
// the superpeer tables when r.Superpeer is not nil), summary.json,
// manifest.json, perf.json (when r.Perf is not nil) and the plots.
//
// The directory appears atomically: everything is written into a temporary
// sibling directory which is then renamed to dir. An existing dir is replaced
// only once the new one is complete. On error nothing is left behind, an
// existing dir is left as it was, and the error names the file at fault.
func Write(dir string, r *Run) error {
	if r == nil {
		return errors.New("results: Write: nil Run")
	}
	dir = filepath.Clean(dir)
	parent, base := filepath.Split(dir)
	if base == "" || base == "." || base == ".." {
		return fmt.Errorf("results: Write: bad directory name %q", dir)
	}
	if parent == "" {
		parent = "."
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return fmt.Errorf("results: %s exists and is not a directory", dir)
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	if err := fillDir(tmp, dir, r); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("results: %w", err)
	}
	return replaceDir(tmp, dir)
}

// fillDir writes every file of r into tmp. Errors name the file as it will
// be called under final.
func fillDir(tmp, final string, r *Run) error {
	type outFile struct {
		name string
		fill func(*bufio.Writer) error
	}
	files := []outFile{
		{LookupsFile, func(w *bufio.Writer) error { return writeLookups(w, r.Lookups) }},
		{NodesFile, func(w *bufio.Writer) error { return writeNodes(w, r.Nodes) }},
		{TimeseriesFile, func(w *bufio.Writer) error { return writeSeries(w, r.Series) }},
		{TrafficFile, func(w *bufio.Writer) error { return writeTraffic(w, r.Traffic) }},
		{SessionsFile, func(w *bufio.Writer) error { return writeSessions(w, r.Sessions) }},
		{SummaryFile, func(w *bufio.Writer) error { return writeSummary(w, r.Summary) }},
		{ManifestFile, func(w *bufio.Writer) error { return writeJSON(w, r.Manifest) }},
	}
	if r.Buckets != nil {
		files = append(files, outFile{BucketsFile, func(w *bufio.Writer) error { return writeBuckets(w, r.Buckets) }})
	}
	if r.Superpeer != nil {
		for _, f := range superpeerWriters(r.Superpeer) {
			files = append(files, outFile{f.name, func(w *bufio.Writer) error { return f.fill(w) }})
		}
	}
	if r.Perf != nil {
		files = append(files, outFile{PerfFile, func(w *bufio.Writer) error { return writeJSON(w, r.Perf) }})
	}
	for _, f := range files {
		if err := writeFile(tmp, f.name, f.fill); err != nil {
			return fmt.Errorf("results: write %s: %w", filepath.Join(final, f.name), err)
		}
	}
	if r.SkipPlots {
		return nil
	}
	return plotInto(tmp, final, r)
}

// writeFile creates dir/name, which must not exist, and fills it through a
// buffered writer.
func writeFile(dir, name string, fill func(*bufio.Writer) error) error {
	if err := writeHook(name); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := fill(w); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeJSON writes v indented by two spaces, with a trailing newline.
func writeJSON(w *bufio.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// replaceDir renames the complete directory tmp to dir. An existing dir is
// first moved aside, and removed once tmp is in place; if tmp cannot be moved
// in, the old dir is put back.
func replaceDir(tmp, dir string) error {
	old := tmp + ".old"
	hadOld := true
	if err := os.Rename(dir, old); err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			os.RemoveAll(tmp)
			return fmt.Errorf("results: moving %s aside: %w", dir, err)
		}
		hadOld = false
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		if hadOld {
			if err2 := os.Rename(old, dir); err2 != nil {
				return fmt.Errorf("results: %w (and restoring the previous %s failed, it is at %s: %v)", err, dir, old, err2)
			}
		}
		return fmt.Errorf("results: %w", err)
	}
	if hadOld {
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("results: %s written, but removing its previous version at %s: %w", dir, old, err)
		}
	}
	return nil
}
