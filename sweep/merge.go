package sweep

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// finishedRun is a complete run directory found in a sweep directory.
type finishedRun struct {
	dir  string // the run directory
	hash string
}

// scanRuns returns the finished runs of the sweep directory dir by index:
// directories runs/<N> holding a done.json for index N. Unfinished ones are
// left out.
func scanRuns(dir string) (map[int]finishedRun, error) {
	runs := filepath.Join(dir, RunsDir)
	ents, err := os.ReadDir(runs)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: no %s folder: not a sweep directory", dir, RunsDir)
		}
		return nil, err
	}
	out := map[int]finishedRun{}
	for _, e := range ents {
		i, err := strconv.Atoi(e.Name())
		if err != nil || i < 0 || strconv.Itoa(i) != e.Name() || !e.IsDir() {
			continue
		}
		rd := filepath.Join(runs, e.Name())
		d, err := ReadDone(rd)
		if err != nil {
			continue
		}
		if d.Index != i {
			return nil, fmt.Errorf("%s: done.json says index %d", rd, d.Index)
		}
		out[i] = finishedRun{dir: rd, hash: d.ConfigHash}
	}
	return out, nil
}

// Merge combines the finished runs of the sweep directories dirs (typically
// one per shard) into the sweep directory out, which may exist already and
// may hold runs of its own. It returns the number of runs added.
//
// A run present in several places with the same config hash is taken once
// (from the first directory that has it, out first); the same index with
// different config hashes is a conflict: Merge then lists every conflict,
// naming the index and both directories, and changes nothing. Unfinished runs
// (no done.json) are ignored. Files are hard-linked where possible (they are
// never modified in place: everything in a run directory is replaced by
// renaming), else copied; each run directory appears atomically. A directory
// in dirs that is out itself is skipped.
func Merge(out string, dirs ...string) (int, error) {
	if out == "" {
		return 0, errors.New("sweep: Merge: no output directory")
	}
	outAbs, err := filepath.Abs(out)
	if err != nil {
		return 0, fmt.Errorf("sweep: %w", err)
	}
	have := map[int]finishedRun{}
	if _, err := os.Stat(filepath.Join(out, RunsDir)); err == nil {
		if have, err = scanRuns(out); err != nil {
			return 0, fmt.Errorf("sweep: merge: %w", err)
		}
	}
	var conflicts []string
	conflictAt := map[int]bool{}
	add := map[int]finishedRun{}
	for _, d := range dirs {
		if abs, err := filepath.Abs(d); err == nil && abs == outAbs {
			continue
		}
		runs, err := scanRuns(d)
		if err != nil {
			return 0, fmt.Errorf("sweep: merge: %w", err)
		}
		for i, r := range runs {
			prev, ok := have[i]
			if !ok {
				prev, ok = add[i]
			}
			switch {
			case !ok:
				add[i] = r
			case prev.hash != r.hash && !conflictAt[i]:
				conflictAt[i] = true
				conflicts = append(conflicts, fmt.Sprintf("run %d: config hash %s in %s differs from %s in %s",
					i, short(r.hash), r.dir, short(prev.hash), prev.dir))
			}
		}
	}
	if len(conflicts) > 0 {
		slices.SortFunc(conflicts, func(a, b string) int { return runNumber(a) - runNumber(b) })
		return 0, fmt.Errorf("sweep: merge: %d conflicting runs (the same index computed from different configurations; were the shards run from different scenarios?):\n  %s",
			len(conflicts), strings.Join(conflicts, "\n  "))
	}
	runs := filepath.Join(out, RunsDir)
	if err := os.MkdirAll(runs, 0o755); err != nil {
		return 0, fmt.Errorf("sweep: %w", err)
	}
	if err := removeTemps(runs, func(i int) bool { _, ok := add[i]; return ok }); err != nil {
		return 0, err
	}
	idx := make([]int, 0, len(add))
	for i := range add {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	for n, i := range idx {
		if err := copyRun(add[i].dir, runs, i); err != nil {
			return n, fmt.Errorf("sweep: merge: run %d from %s: %w", i, add[i].dir, err)
		}
	}
	return len(idx), nil
}

// runNumber reads the index back from a conflict message "run N: ...".
func runNumber(msg string) int {
	s, _, _ := strings.Cut(strings.TrimPrefix(msg, "run "), ":")
	n, _ := strconv.Atoi(s)
	return n
}

// short abbreviates a config hash for messages.
func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// copyRun copies the run directory src to runs/<index>, atomically.
func copyRun(src, runs string, index int) (err error) {
	tmp, err := os.MkdirTemp(runs, "."+strconv.Itoa(index)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := copyTree(src, tmp); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	return replaceDir(tmp, filepath.Join(runs, strconv.Itoa(index)))
}

// copyTree fills the existing directory dst with the regular files and
// folders under src, hard-linking files where it can.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.Mkdir(target, 0o755)
		case d.Type().IsRegular():
			if os.Link(path, target) == nil {
				return nil
			}
			return copyFile(path, target)
		}
		return fmt.Errorf("%s: not a regular file or folder", path)
	})
}

// copyFile copies the regular file src to the new file dst, keeping its
// permissions.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fi.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
